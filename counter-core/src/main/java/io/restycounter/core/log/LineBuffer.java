package io.restycounter.core.log;

import java.io.OutputStream;
import java.util.Arrays;

/** An unsynchronized growable byte buffer that the JSON generator writes into; the writer thread's own. */
final class LineBuffer extends OutputStream {

    private byte[] bytes;
    private int size;

    LineBuffer(int initialCapacity) {
        bytes = new byte[initialCapacity];
    }

    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, bytes, size, len);
        size += len;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }

    byte[] bytes() {
        return bytes;
    }

    int size() {
        return size;
    }

    void reset() {
        size = 0;
    }

    void truncate(int newSize) {
        size = newSize;
    }
}
