package io.restycounter.core.http;

import java.util.concurrent.atomic.LongAdder;

/**
 * Pixels answered, by {@link PixelAnswer} row: one LongAdder increment per pixel, nothing allocated. A front
 * door adds each answer it sends; metrics read the sums.
 */
public final class PixelTally {

    /** The ServletContext attribute under which the servlets find the webapp's tally. */
    public static final String CONTEXT_ATTRIBUTE = PixelTally.class.getName();

    private final LongAdder[] answers = new LongAdder[PixelAnswer.values().length];

    public PixelTally() {
        for (int i = 0; i < answers.length; i++) {
            answers[i] = new LongAdder();
        }
    }

    public void add(PixelAnswer answer) {
        answers[answer.ordinal()].increment();
    }

    public long count(PixelAnswer answer) {
        return answers[answer.ordinal()].sum();
    }
}
