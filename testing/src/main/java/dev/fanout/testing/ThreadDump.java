package dev.fanout.testing;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.HotSpotDiagnosticMXBean.ThreadDumpFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every thread of the JVM, platform and virtual, as read from a HotSpot JSON thread dump ({@link
 * HotSpotDiagnosticMXBean#dumpThreads(String, ThreadDumpFormat)}).
 *
 * <p>{@link Thread#getAllStackTraces()} lists platform threads only; the JSON thread dump also
 * lists virtual threads (all of them when {@code jdk.trackAllThreads} is true, its default; only
 * those started by a thread-per-task executor when it is false). The JSON form is used rather than
 * the plain text one because it escapes thread names, so a name holding quotes or line breaks
 * cannot confuse the parser, and because it tells which container (executor) a thread belongs to.
 * Plain text is the fallback for the names that JDK 25's JSON writer chokes on.
 *
 * @param threads the threads by thread id, in dump order
 */
record ThreadDump(Map<Long, DumpedThread> threads) {

  /**
   * One thread of a dump.
   *
   * @param tid {@link Thread#threadId()}
   * @param name the thread's name ({@code ""} for unnamed virtual threads)
   * @param virtual whether it is a virtual thread
   * @param state {@link Thread.State} name, or {@code "?"} if the dump did not say
   * @param container the thread container it was listed under, e.g. {@code "<root>"} or {@code
   *     "java.util.concurrent.ThreadPerTaskExecutor@1b2c3d"}; {@code ""} if unknown
   * @param stack its stack frames, innermost first
   */
  record DumpedThread(
      long tid, String name, boolean virtual, String state, String container, List<String> stack) {}

  private static final AtomicLong DUMP_COUNTER = new AtomicLong();
  private static volatile Path dumpDirectory;

  ThreadDump {
    threads = Collections.unmodifiableMap(threads);
  }

  /**
   * Dumps the threads of this JVM to a fresh file, reads it and deletes it.
   *
   * @throws UncheckedIOException if the dump cannot be written or read
   * @throws IllegalStateException if the dump cannot be parsed or lacks the calling thread
   */
  static ThreadDump take() {
    ThreadDump dump;
    try {
      dump = parse(dumpTo(ThreadDumpFormat.JSON));
    } catch (IllegalArgumentException e) {
      // JDK 25 bug: the JSON writer throws IllegalFormatConversionException ("x !=
      // java.lang.Character") for a thread name holding a control character other than \b \f
      // \n \r \t. The plain text dump does not escape names, so it is the second choice.
      dump = parseText(dumpTo(ThreadDumpFormat.TEXT_PLAIN));
    }
    long self = Thread.currentThread().threadId();
    if (!dump.threads().containsKey(self)) {
      // A dump we cannot read would make every leak check pass: refuse it loudly instead.
      throw new IllegalStateException(
          "the thread dump does not list the current thread #"
              + self
              + "; its format is not the one this parser knows");
    }
    return dump;
  }

  private static String dumpTo(ThreadDumpFormat format) {
    HotSpotDiagnosticMXBean bean =
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    Path file = directory().resolve("threads-" + DUMP_COUNTER.incrementAndGet() + ".dump");
    try {
      // dumpThreads refuses to overwrite: a leftover from a crashed run must go first.
      Files.deleteIfExists(file);
      bean.dumpThreads(file.toString(), format);
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot dump threads to " + file, e);
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // Best effort: the directory is deleted on exit anyway when empty.
      }
    }
  }

  /** {@code #12 "name" [virtual ]STATE 2025-01-01T00:00:00.000Z}; names are not escaped. */
  private static final Pattern TEXT_HEADER =
      Pattern.compile(
          "^#(\\d+) \"(.*?)\" (virtual )?"
              + "(NEW|RUNNABLE|BLOCKED|WAITING|TIMED_WAITING|TERMINATED) (\\d{4}-\\S+)$",
          Pattern.MULTILINE | Pattern.DOTALL);

  /**
   * Parses a plain text thread dump (JDK 21+). It does not say which container a thread is in, so
   * {@link DumpedThread#container()} is {@code ""}.
   */
  static ThreadDump parseText(String text) {
    Map<Long, DumpedThread> threads = new LinkedHashMap<>();
    Matcher m = TEXT_HEADER.matcher(text);
    boolean found = m.find();
    while (found) {
      long tid = Long.parseLong(m.group(1));
      String name = m.group(2);
      boolean virtual = m.group(3) != null;
      String state = m.group(4);
      int bodyStart = m.end();
      found = m.find();
      int bodyEnd = found ? m.start() : text.length();
      List<String> stack = new ArrayList<>();
      for (String line : text.substring(bodyStart, bodyEnd).split("\n")) {
        String trimmed = line.strip();
        if (trimmed.startsWith("at ")) {
          stack.add(trimmed.substring(3));
        }
      }
      threads.putIfAbsent(tid, new DumpedThread(tid, name, virtual, state, "", List.copyOf(stack)));
    }
    return new ThreadDump(threads);
  }

  private static Path directory() {
    Path dir = dumpDirectory;
    if (dir == null) {
      synchronized (ThreadDump.class) {
        dir = dumpDirectory;
        if (dir == null) {
          try {
            dir = Files.createTempDirectory("fanout-thread-dumps-");
          } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for thread dumps", e);
          }
          dir.toFile().deleteOnExit();
          dumpDirectory = dir;
        }
      }
    }
    return dir;
  }

  /**
   * Parses a JSON thread dump as written by JDK 21+: {@code {"threadDump": {"threadContainers":
   * [{"container": ..., "threads": [{"tid": "12", "name": ..., "virtual": true, "state": ...,
   * "stack": [...]}]}]}}}.
   *
   * @throws IllegalStateException if {@code json} does not have that shape
   */
  static ThreadDump parse(String json) {
    Object root = new Json(json).document();
    Map<Long, DumpedThread> threads = new LinkedHashMap<>();
    Map<?, ?> threadDump = object(object(root, "dump").get("threadDump"), "threadDump");
    for (Object c : array(threadDump.get("threadContainers"), "threadContainers")) {
      Map<?, ?> container = object(c, "container");
      String containerName = String.valueOf(container.get("container"));
      for (Object t : array(container.get("threads"), "threads")) {
        Map<?, ?> thread = object(t, "thread");
        Object tid = thread.get("tid");
        if (tid == null) {
          throw new IllegalStateException("thread without a tid in the dump: " + thread);
        }
        List<String> stack = new ArrayList<>();
        Object frames = thread.get("stack");
        if (frames != null) {
          for (Object frame : array(frames, "stack")) {
            stack.add(String.valueOf(frame));
          }
        }
        Object name = thread.get("name");
        Object state = thread.get("state");
        DumpedThread dumped =
            new DumpedThread(
                Long.parseLong(tid.toString()),
                name == null ? "" : name.toString(),
                Boolean.TRUE.equals(thread.get("virtual")),
                state == null ? "?" : state.toString(),
                containerName,
                List.copyOf(stack));
        threads.putIfAbsent(dumped.tid(), dumped);
      }
    }
    return new ThreadDump(threads);
  }

  private static Map<?, ?> object(Object value, String what) {
    if (value instanceof Map<?, ?> map) {
      return map;
    }
    throw new IllegalStateException("thread dump: expected " + what + " to be an object");
  }

  private static List<?> array(Object value, String what) {
    if (value instanceof List<?> list) {
      return list;
    }
    throw new IllegalStateException("thread dump: expected " + what + " to be an array");
  }

  /**
   * A minimal JSON reader: objects become {@link LinkedHashMap}, arrays {@link ArrayList}, strings
   * {@link String}, numbers their literal text as a {@link String}, and {@code true}/{@code
   * false}/{@code null} themselves. Enough for a thread dump, not more.
   */
  static final class Json {
    private final String text;
    private int pos;

    Json(String text) {
      this.text = text;
    }

    Object document() {
      Object value = value();
      skipWhitespace();
      if (pos != text.length()) {
        throw error("trailing characters");
      }
      return value;
    }

    private Object value() {
      skipWhitespace();
      if (pos >= text.length()) {
        throw error("unexpected end");
      }
      char c = text.charAt(pos);
      return switch (c) {
        case '{' -> object();
        case '[' -> array();
        case '"' -> string();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            yield number();
          }
          throw error("unexpected '" + c + "'");
        }
      };
    }

    private Map<String, Object> object() {
      Map<String, Object> map = new LinkedHashMap<>();
      pos++; // {
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        return map;
      }
      while (true) {
        skipWhitespace();
        if (peek() != '"') {
          throw error("expected a property name");
        }
        String key = string();
        skipWhitespace();
        expect(':');
        map.put(key, value());
        skipWhitespace();
        char c = next();
        if (c == '}') {
          return map;
        }
        if (c != ',') {
          throw error("expected ',' or '}'");
        }
      }
    }

    private List<Object> array() {
      List<Object> list = new ArrayList<>();
      pos++; // [
      skipWhitespace();
      if (peek() == ']') {
        pos++;
        return list;
      }
      while (true) {
        list.add(value());
        skipWhitespace();
        char c = next();
        if (c == ']') {
          return list;
        }
        if (c != ',') {
          throw error("expected ',' or ']'");
        }
      }
    }

    private String string() {
      pos++; // opening quote
      StringBuilder sb = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return sb.toString();
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > text.length()) {
              throw error("truncated \\u escape");
            }
            try {
              sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("bad \\u escape");
            }
            pos += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      }
    }

    private String number() {
      int start = pos;
      while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
        pos++;
      }
      return text.substring(start, pos);
    }

    private Object literal(String word, Object value) {
      if (!text.startsWith(word, pos)) {
        throw error("expected " + word);
      }
      pos += word.length();
      return value;
    }

    private void expect(char c) {
      if (next() != c) {
        throw error("expected '" + c + "'");
      }
    }

    private char peek() {
      if (pos >= text.length()) {
        throw error("unexpected end");
      }
      return text.charAt(pos);
    }

    private char next() {
      char c = peek();
      pos++;
      return c;
    }

    private void skipWhitespace() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    private IllegalStateException error(String message) {
      return new IllegalStateException("thread dump JSON, offset " + pos + ": " + message);
    }
  }
}
