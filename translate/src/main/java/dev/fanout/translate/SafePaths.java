package dev.fanout.translate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Keeps every write inside the output directory, and makes every write atomic: a reader (or a
 * re-run after {@code kill -9}) sees the old file or the new one, never half of one. Public for the
 * command line's other writers (a TMX export), so that every file fanout writes is written one way.
 */
public final class SafePaths {
  private SafePaths() {}

  /**
   * True when {@code rel} is a relative path that stays inside the directory it is resolved
   * against: not absolute, no {@code ..} segment, no backslash, no control characters.
   */
  public static boolean isSafeRelative(String rel) {
    if (rel.isEmpty() || rel.startsWith("/") || rel.contains("\\") || hasControl(rel)) {
      return false;
    }
    if (rel.length() >= 2 && rel.charAt(1) == ':') {
      return false; // C:...
    }
    for (String seg : rel.split("/", -1)) {
      if (seg.equals("..") || seg.equals(".") || seg.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /**
   * True for a record id that could not lead a tool writing one file per id outside its directory
   * and that reads cleanly in a report: 1 to 512 characters, no control characters, and, read as a
   * path, not absolute and with no {@code ..} segment.
   */
  public static boolean isSafeId(String id) {
    if (id.isEmpty() || id.length() > 512 || hasControl(id)) {
      return false;
    }
    String p = id.replace('\\', '/');
    if (p.startsWith("/") || (p.length() >= 2 && p.charAt(1) == ':')) {
      return false;
    }
    for (String seg : p.split("/", -1)) {
      if (seg.equals("..")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Resolves {@code rel} against {@code dir} and checks that the result is inside {@code dir}.
   *
   * @throws IllegalArgumentException when it would not be
   */
  public static Path resolveInside(Path dir, String rel) {
    Path base = dir.toAbsolutePath().normalize();
    Path p = base.resolve(rel).normalize();
    if (!isSafeRelative(rel) || !p.startsWith(base) || p.equals(base)) {
      throw new IllegalArgumentException("path would leave " + dir + ": " + quote(rel));
    }
    return p;
  }

  /**
   * Writes {@code bytes} to {@code target}: to a temporary file beside it, then renamed over it
   * atomically; parent directories are created. Not forced to disk: a killed process can never
   * leave a torn file, but a power cut may lose the newest outputs (the state store's newest
   * records go with them, so a re-run sends those documents again).
   */
  public static void writeAtomically(Path target, byte[] bytes) throws IOException {
    writeAtomically(
        target,
        tmp ->
            Files.write(
                tmp, bytes, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING));
  }

  /** Writes a whole file, given the path of the (empty) temporary file to write it to. */
  public interface FileWriter {
    void writeTo(Path tmp) throws IOException;
  }

  /**
   * Like {@link #writeAtomically(Path, byte[])}, for a file written as a stream (a report): {@code
   * write} fills a temporary file beside {@code target}, which is then renamed over it; when {@code
   * write} fails, the temporary file is deleted and {@code target} is left as it was.
   */
  public static void writeAtomically(Path target, FileWriter write) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = newFileBeside(target);
    try {
      write.writeTo(tmp);
      move(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Creates an empty, hidden file beside {@code target} to write it in, with the permissions any
   * new file gets there (the process's umask): an output is for the people who read it, so not
   * {@link Files#createTempFile}'s owner-only mode.
   */
  public static Path newFileBeside(Path target) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    while (true) {
      Path tmp = parent.resolve(".fanout-" + java.util.UUID.randomUUID() + ".tmp");
      try {
        return Files.createFile(tmp);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // a name taken: another
      }
    }
  }

  /** Renames {@code tmp} over {@code target} atomically. */
  public static void move(Path tmp, Path target) throws IOException {
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** {@code s} in double quotes with control characters escaped and at most 80 characters. */
  public static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else {
        b.append(c);
      }
    }
    if (s.length() > 80) {
      b.append("...");
    }
    return b.append('"').toString();
  }

  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return true;
      }
    }
    return false;
  }
}
