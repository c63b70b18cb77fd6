package io.restycounter.core.guard;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BotDetectorTest {

    private static final BotDetector BOTS = new BotDetector(100);

    @Test
    void knownCrawlersAndHeadlessBrowsersAreBots() {
        assertTrue(BOTS.isBot("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"));
        assertTrue(BOTS.isBot("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"));
        assertTrue(BOTS.isBot("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"));
        assertTrue(BOTS.isBot("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.0 Safari/537.36"));
    }

    @Test
    void browsersAreNotBots() {
        assertFalse(BOTS.isBot("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"));
        assertFalse(BOTS.isBot("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"));
        assertFalse(BOTS.isBot("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"));
        assertFalse(BOTS.isBot(null));
        assertFalse(BOTS.isBot(""));
    }

    @Test
    void answersStayTheSameOnceCachedAndTheCacheStaysBounded() {
        BotDetector small = new BotDetector(3);
        String googlebot = "Googlebot/2.1 (+http://www.google.com/bot.html)";
        for (int i = 0; i < 10; i++) {
            assertTrue(small.isBot(googlebot));
            assertFalse(small.isBot("Mozilla/5.0 Firefox/" + i + ".0"));
        }
    }

    @Test
    void aFloodOfUnknownAgentsIsClassifiedOnlyWithinTheBudget() {
        BotDetector uncached = new BotDetector(0);
        long start = System.nanoTime();
        int flagged = 0;
        for (int i = 0; i < 1_000; i++) {
            if (uncached.isBot("Mozilla/5.0 (compatible; Googlebot/2." + i + "; +http://www.google.com/bot.html)")) {
                flagged++;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(flagged >= 1, "the budget lets the first ones through");
        assertTrue(flagged <= BotDetector.MISSES_PER_SECOND * (1 + seconds) + 1,
                flagged + " classified in " + seconds + " s");
    }
}
