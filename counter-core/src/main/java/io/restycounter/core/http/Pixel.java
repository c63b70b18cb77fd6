package io.restycounter.core.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** The answer body of every pixel request: a 43-byte transparent 1x1 GIF, and the headers that go with it. */
public final class Pixel {

    public static final String CONTENT_TYPE = "image/gif";
    public static final String CACHE_CONTROL = "no-cache, no-store, must-revalidate";

    private static final byte[] GIF = {
        'G', 'I', 'F', '8', '9', 'a',
        1, 0, 1, 0, (byte) 0x80, 0, 0,                    // 1x1, global color table of 2 entries
        0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff,   // black, white
        0x21, (byte) 0xf9, 4, 1, 0, 0, 0, 0,              // graphic control: color 0 is transparent
        0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0,                  // image descriptor
        2, 2, 0x44, 1, 0,                                 // LZW-coded pixel data
        0x3b                                              // trailer
    };

    // Direct, so a socket write takes the bytes as they are instead of copying them into a temporary
    // native buffer first, as the JDK does for heap buffers on every write.
    private static final ByteBuffer DIRECT = ByteBuffer.allocateDirect(GIF.length).put(GIF).flip().asReadOnlyBuffer();

    private Pixel() {
    }

    /** A fresh copy of the GIF's bytes. */
    public static byte[] gif() {
        return GIF.clone();
    }

    /** Writes the GIF without copying it. */
    public static void writeTo(OutputStream out) throws IOException {
        out.write(GIF);
    }

    /** A read-only view of the GIF, for writers that take buffers. */
    public static ByteBuffer buffer() {
        return DIRECT.duplicate();
    }

    public static int length() {
        return GIF.length;
    }
}
