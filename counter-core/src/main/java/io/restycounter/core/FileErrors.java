package io.restycounter.core;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** The operating system's reason for a failed file operation, for a one-line message to an operator. */
public final class FileErrors {

    private FileErrors() {
    }

    /**
     * The reason as the operating system words it ({@code No such file or directory}, {@code Permission denied},
     * {@code Read-only file system}): the JDK turns the common errors into exception types that carry only
     * the path, so their message alone says nothing.
     */
    public static String reason(Exception e) {
        if (e instanceof java.io.UncheckedIOException u) {
            return reason(u.getCause());
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** {@code "cannot create DIR: REASON"}, and for a path that is in the way, what is there. */
    public static String cannotCreate(java.nio.file.Path dir, IOException e) {
        String reason = reason(e);
        if (e instanceof FileAlreadyExistsException) {
            reason = "a file that is not a directory is in the way";
        }
        return "cannot create " + dir + ": " + reason;
    }
}
