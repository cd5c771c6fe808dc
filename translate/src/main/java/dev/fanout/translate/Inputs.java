package dev.fanout.translate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.translate.format.DocumentFormat;
import dev.fanout.translate.store.StateStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.regex.Pattern;

/**
 * Reads the command line's inputs as a stream of {@link InputItem}s, one at a time, so a corpus of
 * any size runs in a small fixed heap.
 *
 * <p>An input is a file or a directory. Files ending in {@code .md}, {@code .markdown}, {@code
 * .txt}, {@code .html} or {@code .htm} are one document each; their output mirrors the path
 * relative to the directory given (or the file's name, for a file given directly). Files ending in
 * {@code .jsonl} hold one document per line, {@code {"id": ..., "text": ..., "tenant": ...}}. In a
 * directory, other files and hidden entries (names starting with a dot) are skipped; the walk never
 * follows symbolic links to directories and never enters the output directory.
 *
 * <p>Bad input costs one item, never the run: a file that is not UTF-8, an empty file, an
 * unreadable directory, a malformed line (with its line number), a duplicate id, or an id that
 * looks like a path leaving a directory each become a {@link InputItem.Problem} and reading goes
 * on.
 *
 * <p>Not thread-safe: one thread iterates.
 */
final class Inputs implements Iterator<InputItem>, AutoCloseable {
  /** The largest document file read whole; bigger ones are a problem item. */
  public static final long MAX_FILE_BYTES = 64L << 20;

  /** The longest JSON line read; longer ones are a problem item. */
  public static final int MAX_LINE_BYTES = 16 << 20;

  /** Tenants are names: letters, digits, dot, dash, underscore, at most 64. */
  static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Deque<Path> roots;
  private final Path outDir;
  private final Deque<Walk> walks = new ArrayDeque<>();
  private final LongHashSet outputs = new LongHashSet();
  private JsonlReader jsonl;
  private InputItem next;
  private long filesSeen;

  /** A directory being walked: its sorted entries and the root the outputs are relative to. */
  private record Walk(Path root, Iterator<Path> entries) {}

  /**
   * Reads {@code inputs} in order.
   *
   * @param inputs files and directories
   * @param outDir the output directory, never read as input
   */
  public Inputs(List<Path> inputs, Path outDir) {
    this.roots = new ArrayDeque<>(inputs);
    this.outDir = outDir.toAbsolutePath().normalize();
  }

  @Override
  public boolean hasNext() {
    if (next == null) {
      next = advance();
    }
    return next != null;
  }

  @Override
  public InputItem next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    InputItem item = next;
    next = null;
    return item;
  }

  /** Files (documents and JSON Lines files) opened so far. */
  public long filesSeen() {
    return filesSeen;
  }

  @Override
  public void close() {
    if (jsonl != null) {
      jsonl.close();
      jsonl = null;
    }
  }

  private InputItem advance() {
    while (true) {
      if (jsonl != null) {
        InputItem item = jsonl.nextItem();
        if (item != null) {
          return item;
        }
        jsonl.close();
        jsonl = null;
      }
      if (!walks.isEmpty()) {
        Walk walk = walks.peek();
        if (!walk.entries().hasNext()) {
          walks.pop();
          continue;
        }
        Path p = walk.entries().next();
        InputItem item = visit(walk.root(), p);
        if (item != null) {
          return item;
        }
        continue;
      }
      Path root = roots.poll();
      if (root == null) {
        return null;
      }
      InputItem item = startRoot(root);
      if (item != null) {
        return item;
      }
    }
  }

  private InputItem startRoot(Path root) {
    String origin = root.toString();
    if (Files.isDirectory(root)) {
      return openDirectory(root, root);
    }
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return problem("f:" + origin, origin, null, "unreadable", "no such file or directory");
    }
    Path name = root.getFileName();
    String output = name == null ? origin : name.toString();
    if (kindOf(output) == null) {
      return problem(
          "f:" + output,
          origin,
          null,
          "unsupported_file",
          "not a .md, .markdown, .txt, .html, .htm or .jsonl file");
    }
    return openFile(root, output);
  }

  private InputItem openDirectory(Path root, Path dir) {
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        entries.add(p);
      }
    } catch (IOException | UncheckedIOException e) {
      String rel = relative(root, dir);
      return problem(
          "d:" + rel, dir.toString(), null, "unreadable", "cannot list directory: " + describe(e));
    }
    Path[] sorted = entries.toArray(new Path[0]);
    Arrays.sort(sorted);
    walks.push(new Walk(root, Arrays.asList(sorted).iterator()));
    return null;
  }

  private InputItem visit(Path root, Path p) {
    Path name = p.getFileName();
    if (name == null || name.toString().startsWith(".")) {
      return null;
    }
    if (p.toAbsolutePath().normalize().equals(outDir)) {
      return null;
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      return openDirectory(root, p);
    }
    String rel = relative(root, p);
    if (kindOf(rel) == null) {
      return null; // images, scripts...: not ours to translate
    }
    return openFile(p, rel);
  }

  private InputItem openFile(Path file, String output) {
    filesSeen++;
    String origin = file.toString();
    String kind = kindOf(output);
    if (!SafePaths.isSafeRelative(output)) {
      return problem(
          "f:" + output, origin, null, "unsafe_path", "output path would leave --out: " + output);
    }
    if (!outputs.add(LongHashSet.fingerprint(output))) {
      return problem(
          "f:" + output + "#" + filesSeen,
          origin,
          output,
          "duplicate_output",
          "another input already writes " + output);
    }
    if (kind.equals("jsonl")) {
      try {
        jsonl = new JsonlReader(file, output);
      } catch (IOException e) {
        return problem("f:" + output, origin, output, "unreadable", describe(e));
      }
      return null;
    }
    String key = "f:" + output;
    byte[] bytes;
    try {
      if (!Files.isRegularFile(file)) {
        return problem(key, origin, output, "unreadable", "not a regular file");
      }
      if (Files.size(file) > MAX_FILE_BYTES) {
        return problem(key, origin, output, "too_large", "over " + (MAX_FILE_BYTES >> 20) + " MiB");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      return problem(key, origin, output, "unreadable", describe(e));
    }
    if (bytes.length == 0) {
      return problem(key, origin, output, "empty", "the file is empty");
    }
    String text;
    try {
      text = decodeUtf8(bytes, 0, bytes.length);
    } catch (CharacterCodingException e) {
      return problem(key, origin, output, "not_utf8", "not valid UTF-8: " + e.getMessage());
    }
    return new InputItem.Document(
        new StateStore.Entry(key, origin, output, output, 0, "default"),
        text,
        DocumentFormat.ofFileName(output),
        false);
  }

  /**
   * Counts the items {@code inputs} hold, cheaply: files by name, JSON Lines records by counting
   * non-blank lines without parsing them. For progress displays; problems count as one item each
   * only where they are cheap to see, so the count can be off by a few. It applies the same skip
   * rules as the reading walk (hidden entries, the output directory, file kinds): change both.
   */
  public static long count(List<Path> inputs, Path outDir) {
    Path out = outDir.toAbsolutePath().normalize();
    long n = 0;
    Deque<Path> todo = new ArrayDeque<>(inputs);
    while (!todo.isEmpty()) {
      if (Thread.currentThread().isInterrupted()) {
        return -1;
      }
      Path p = todo.pop();
      if (Files.isDirectory(p)) {
        if (p.toAbsolutePath().normalize().equals(out)) {
          continue;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
          for (Path child : ds) {
            Path name = child.getFileName();
            if (name != null && !name.toString().startsWith(".")) {
              if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                todo.push(child);
              } else if (kindOf(name.toString()) != null) {
                n += countFile(child);
              }
            }
          }
        } catch (IOException | UncheckedIOException e) {
          n++;
        }
      } else {
        n += countFile(p);
      }
    }
    return n;
  }

  private static long countFile(Path p) {
    Path name = p.getFileName();
    if (name == null || !"jsonl".equals(kindOf(name.toString()))) {
      return 1;
    }
    long lines = 0;
    boolean content = false;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(p)) {
      int r;
      while ((r = in.read(buf)) > 0) {
        for (int i = 0; i < r; i++) {
          byte b = buf[i];
          if (b == '\n') {
            if (content) {
              lines++;
            }
            content = false;
          } else if (b != ' ' && b != '\t' && b != '\r') {
            content = true;
          }
        }
      }
    } catch (IOException e) {
      return 1;
    }
    if (content) {
      lines++;
    }
    return Math.max(1, lines);
  }

  /** {@code txt}, {@code html}, {@code jsonl}, or null for files that are not inputs. */
  static String kindOf(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.endsWith(".md") || n.endsWith(".markdown") || n.endsWith(".txt")) {
      return "txt";
    }
    if (n.endsWith(".html") || n.endsWith(".htm")) {
      return "html";
    }
    if (n.endsWith(".jsonl")) {
      return "jsonl";
    }
    return null;
  }

  private static String relative(Path root, Path p) {
    String rel = root.relativize(p).toString().replace('\\', '/');
    return rel.isEmpty() ? "." : rel;
  }

  private static InputItem.Problem problem(
      String key, String origin, String output, String reason, String message) {
    return new InputItem.Problem(
        new StateStore.Entry(key, origin, output, null, 0, "default"), reason, message);
  }

  private static String describe(Exception e) {
    String type = e.getClass().getSimpleName();
    return e.getMessage() == null ? type : type + ": " + e.getMessage();
  }

  /** Decodes strictly: malformed or unmappable bytes are an error, a leading BOM is dropped. */
  static String decodeUtf8(byte[] bytes, int from, int length) throws CharacterCodingException {
    int start = from;
    int len = length;
    if (len >= 3
        && (bytes[start] & 0xff) == 0xEF
        && (bytes[start + 1] & 0xff) == 0xBB
        && (bytes[start + 2] & 0xff) == 0xBF) {
      start += 3;
      len -= 3;
    }
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes, start, len))
        .toString();
  }

  /** Reads one JSON Lines file line by line, as bytes, so one bad line costs only that line. */
  private static final class JsonlReader {
    private final Path file;
    private final String output;
    private final InputStream in;
    private final LongHashSet ids = new LongHashSet();
    private byte[] buf = new byte[8192];
    private long lineNo;
    private boolean eof;
    private boolean anyLine;

    JsonlReader(Path file, String output) throws IOException {
      this.file = file;
      this.output = output;
      this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    }

    /** The next item, or null at the end of the file. */
    InputItem nextItem() {
      while (!eof) {
        int len;
        boolean tooLong;
        try {
          len = 0;
          tooLong = false;
          int b;
          while ((b = in.read()) != -1 && b != '\n') {
            if (len >= MAX_LINE_BYTES) {
              tooLong = true;
              continue;
            }
            if (len == buf.length) {
              buf = Arrays.copyOf(buf, Math.min(MAX_LINE_BYTES, buf.length * 2));
            }
            buf[len++] = (byte) b;
          }
          if (b == -1) {
            eof = true;
            if (len == 0 && !tooLong) {
              break;
            }
          }
        } catch (IOException e) {
          eof = true;
          lineNo++;
          return lineProblem("unreadable", "read failed: " + describe(e));
        }
        lineNo++;
        if (len > 0 && buf[len - 1] == '\r') {
          len--;
        }
        if (tooLong) {
          return lineProblem("too_large", "line longer than " + (MAX_LINE_BYTES >> 20) + " MiB");
        }
        if (isBlank(buf, len)) {
          continue;
        }
        anyLine = true;
        return parse(len);
      }
      if (!anyLine) {
        anyLine = true; // report once
        return new InputItem.Problem(
            new StateStore.Entry("f:" + output, file.toString(), output, null, 0, "default"),
            "empty",
            "no JSON lines in the file");
      }
      return null;
    }

    private InputItem parse(int len) {
      String line;
      try {
        line = decodeUtf8(buf, 0, len);
      } catch (CharacterCodingException e) {
        return lineProblem("not_utf8", "line " + lineNo + " is not valid UTF-8");
      }
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        return lineProblem(
            "malformed_json", "line " + lineNo + ": not JSON (" + firstLine(msg) + ")");
      }
      if (node == null || !node.isObject()) {
        return lineProblem("malformed_json", "line " + lineNo + ": not a JSON object");
      }
      JsonNode idNode = node.get("id");
      if (idNode == null || !(idNode.isTextual() || idNode.isIntegralNumber())) {
        return lineProblem(
            "missing_field", "line " + lineNo + ": \"id\" is missing or not a string or integer");
      }
      String id = idNode.asText();
      String tenant = "default";
      JsonNode tenantNode = node.get("tenant");
      if (tenantNode != null && !tenantNode.isNull()) {
        if (!tenantNode.isTextual() || !TENANT.matcher(tenantNode.asText()).matches()) {
          return lineProblem(
              "bad_tenant",
              "line " + lineNo + ": \"tenant\" must be 1-64 letters, digits, '.', '-' or '_'");
        }
        tenant = tenantNode.asText();
      }
      if (!SafePaths.isSafeId(id)) {
        return lineProblem(
            tenant,
            "unsafe_id",
            "line "
                + lineNo
                + ": id "
                + SafePaths.quote(id)
                + " could name a path outside the output directory, or has control characters");
      }
      if (!ids.add(LongHashSet.fingerprint(id))) {
        return lineProblem(
            tenant,
            "duplicate_id",
            "line " + lineNo + ": id " + SafePaths.quote(id) + " appeared earlier in this file");
      }
      JsonNode textNode = node.get("text");
      String key = "j:" + output + ":" + id;
      if (textNode == null || !textNode.isTextual()) {
        return new InputItem.Problem(
            new StateStore.Entry(key, file + ":" + lineNo, output, null, 0, tenant),
            "missing_field",
            "line " + lineNo + ": \"text\" is missing or not a string");
      }
      if (textNode.asText().isEmpty()) {
        return new InputItem.Problem(
            new StateStore.Entry(key, file + ":" + lineNo, output, null, 0, tenant),
            "empty",
            "line " + lineNo + ": empty text");
      }
      JsonNode formatNode = node.get("format");
      DocumentFormat format;
      try {
        format =
            DocumentFormat.named(
                formatNode == null || formatNode.isNull() ? null : formatNode.asText());
      } catch (IllegalArgumentException e) {
        return lineProblem(tenant, "unsupported_format", "line " + lineNo + ": " + e.getMessage());
      }
      return new InputItem.Document(
          new StateStore.Entry(key, file + ":" + lineNo, output, id, lineNo, tenant),
          textNode.asText(),
          format,
          true);
    }

    private InputItem lineProblem(String reason, String message) {
      return lineProblem("default", reason, message);
    }

    private InputItem lineProblem(String tenant, String reason, String message) {
      return new InputItem.Problem(
          new StateStore.Entry(
              "j:" + output + ":#" + lineNo, file + ":" + lineNo, output, null, 0, tenant),
          reason,
          message);
    }

    private static boolean isBlank(byte[] b, int len) {
      for (int i = 0; i < len; i++) {
        if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
          return false;
        }
      }
      return true;
    }

    private static String firstLine(String s) {
      if (s == null) {
        return "parse error";
      }
      int nl = s.indexOf('\n');
      return nl < 0 ? s : s.substring(0, nl);
    }

    void close() {
      try {
        in.close();
      } catch (IOException ignored) {
        // reading is over; nothing to lose
      }
    }
  }
}
