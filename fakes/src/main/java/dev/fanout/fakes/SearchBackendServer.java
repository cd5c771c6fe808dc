package dev.fanout.fakes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * A search backend for demos and tests: an HTTP server that answers full-text queries over one kind
 * of data ({@code docs}, {@code people}, {@code projects}, {@code tags}, or anything loaded from a
 * file) from a SQLite FTS5 index, and can be made slow or flaky on purpose.
 *
 * {@snippet :
 * try (SearchBackendServer docs =
 *     SearchBackendServer.builder("docs") // the bundled sample documents
 *         .latency(Duration.ofMillis(20))
 *         .failRate(0.05)
 *         .start()) {
 *   URI uri = docs.uri(); // http://127.0.0.1:PORT/
 *   // GET uri + "?q=search+latency" -> [{"id": "doc-0042", "title": ..., "snippet": ...}, ...]
 * }
 * }
 *
 * <h2>Protocol</h2>
 *
 * {@code GET /?q=QUERY} on any path ({@code /}, {@code /search}, ...) answers 200 with a JSON array
 * of at most {@value #MAX_HITS} {@linkplain Hit hits}, {@code [{"id": ..., "title": ..., "snippet":
 * ...}]}, best first. {@code q} is form-encoded ({@code +} or {@code %20} for a space, UTF-8); only
 * the first {@code q} counts. {@code HEAD} answers the same headers without a body. Errors are
 * {@code {"error": "..."}}: 400 when {@code q} is missing, empty or only blanks; 405 for other
 * methods; 500 for an {@linkplain Builder#failRate injected failure} or an internal error. A
 * request line the JDK server itself cannot parse (a bad {@code %} escape such as {@code q=50%})
 * gets the JDK's own plain 400 page and never reaches this server's handler, so it is not
 * {@linkplain #requests() counted}.
 *
 * <h2>Matching and ranking</h2>
 *
 * The query is split into words at white space and control characters; words with no letter or
 * digit are dropped, and at most the first {@value #MAX_TERMS} words are kept. Each word is quoted
 * as an FTS5 phrase (its double quotes doubled) and the phrases are joined with {@code OR}, so no
 * input can be read as FTS5 syntax ({@code AND}, {@code NEAR(}, {@code *}, {@code -}, {@code :},
 * column filters) and none causes a syntax error; a query with no word left answers 200 {@code []}.
 * Inside a phrase FTS5's own tokenizer ({@code unicode61} with diacritics removed, then the Porter
 * stemmer) applies, so {@code "full-text"} is the phrase <i>full text</i> and {@code payments}
 * matches <i>payment</i>. Hits are ordered by FTS5's {@code bm25} with the title weighted {@value
 * #TITLE_WEIGHT} times the body, so entries matching more of the words, or matching in their
 * titles, usually come first. The snippet is FTS5's {@code snippet()} of the body: up to {@value
 * #SNIPPET_TOKENS} tokens around the best match, matched terms wrapped in {@value #HIGHLIGHT}, cut
 * text marked with {@code …}; when only the title matches it is the body's beginning.
 *
 * <h2>Data</h2>
 *
 * JSON Lines, one object per line: {@code {"id": "...", "title": "...", "body": "..."}}. {@code id}
 * and {@code title} are required, non-empty strings; ids must be unique; {@code body} may be
 * missing; other fields are ignored; blank lines are skipped. Without {@link Builder#data(Path)}
 * the server loads the sample data bundled for its kind, the class-path resource {@code
 * /dev/fanout/fakes/data/KIND.jsonl} (for {@link #KINDS}: 200 to 300 invented entries each).
 *
 * <h2>Concurrency</h2>
 *
 * Each request runs on its own virtual thread. The index is built in {@link #indexCopies()}
 * separate in-memory SQLite databases ({@code jdbc:sqlite::memory:}, each connection its own
 * database; one per processor, at most 4), each behind one connection with its statement prepared
 * once. A query borrows a copy from a queue, runs, and gives it back, so queries run in parallel on
 * different cores without sharing SQLite locks, and no two threads ever use one JDBC connection at
 * once (sqlite-jdbc's connection methods are {@code synchronized}, which would pin virtual threads
 * on Java 21 if contended). The data is small (under a few MB), so the copies cost little memory.
 * The alternatives: one shared connection behind a lock serialises every query on one core
 * (measured on 2 cores, 64 virtual threads calling {@link #search} directly: about 4,000 queries a
 * second with one copy, 10,000 with two); a shared-cache in-memory database ({@code
 * mode=memory&cache=shared}) shares one b-tree whose mutex serialises readers too; a temporary file
 * in WAL mode with several readers scales too, but leaves a file to clean up and reads through the
 * page cache for nothing.
 *
 * <h2>Failure, timeout, interruption, close</h2>
 *
 * Every request, whatever its answer, first waits out the {@linkplain Builder#latency latency} with
 * an interruptible sleep; it then checks the request, then draws the {@linkplain Builder#failRate
 * injected failure}, then searches. The server sets no timeout of its own. The JDK's HTTP server
 * gives a handler no way to see its client disconnect, so a request whose client went away still
 * waits out its latency (and its answer's write then fails quietly); only {@link #close()} cuts the
 * wait short. {@code close()} does what every {@link FakeServer}'s does (the handlers in flight are
 * interrupted and end without answering), then frees the index, waiting for a direct {@link
 * #search} caller to give its copy back. A SQLite failure during a query is a 500 for that request
 * only.
 *
 * <h2>Cost</h2>
 *
 * Besides {@link FakeServer}'s threads: {@link Builder#start()} reads the data once and builds
 * every copy of the index before it binds the port (the bundled kinds have a few hundred entries
 * each), and each copy is an in-memory database about the size of its data. Measured by {@code
 * bench/search.sh} on a shared 2-core machine, 64 connections to one built-in backend alone: 7,150
 * to 11,760 requests a second depending on the kind, 5.3 to 8.5 ms at the median ({@code
 * docs/benchmarks-systems.md}, part 1).
 */
public final class SearchBackendServer extends FakeServer {

  /** The kinds with bundled sample data. */
  public static final List<String> KINDS = List.of("docs", "people", "projects", "tags");

  /** The most hits one query returns. */
  public static final int MAX_HITS = 10;

  /** The most query words used; later ones are ignored. */
  public static final int MAX_TERMS = 32;

  /** The marker around matched terms in a snippet, on both sides. */
  public static final String HIGHLIGHT = "**";

  /** How much a title match counts compared with a body match in the ranking. */
  static final double TITLE_WEIGHT = 5.0;

  /** The most tokens in a snippet. */
  static final int SNIPPET_TOKENS = 16;

  private static final Pattern KIND = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

  private static final String SEARCH_SQL =
      "SELECT id, title, snippet(entries, 2, '"
          + HIGHLIGHT
          + "', '"
          + HIGHLIGHT
          + "', '…', "
          + SNIPPET_TOKENS
          + ") FROM entries WHERE entries MATCH ? ORDER BY rank LIMIT "
          + MAX_HITS;

  private final String kind;
  private final int size;
  private final BlockingQueue<Index> indexes;
  private final int indexCopies;

  private final LongAdder requests = new LongAdder();
  private final LongAdder failuresInjected = new LongAdder();

  /**
   * One search result: the backend protocol's minimum is {@code id} and {@code title}.
   *
   * @param id the entry's id within its data
   * @param title what to show
   * @param snippet a short excerpt of the body around the match, or empty
   */
  public record Hit(String id, String title, String snippet) {
    /** Checks that nothing is null. */
    public Hit {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(title, "title");
      Objects.requireNonNull(snippet, "snippet");
    }
  }

  /** One entry of the data. */
  private record Entry(String id, String title, String body) {}

  /**
   * One copy of the index: a connection to its own in-memory database and its prepared search, or
   * (both null) the marker that {@link #close()} leaves in the queue once the copies are closed.
   */
  private record Index(Connection connection, PreparedStatement search) {
    static final Index CLOSED = new Index(null, null);
  }

  private SearchBackendServer(Builder b, List<Entry> entries, List<Index> copies)
      throws IOException {
    super(b, "search-" + b.kind);
    this.kind = b.kind;
    this.size = entries.size();
    this.indexCopies = copies.size();
    this.indexes = new ArrayBlockingQueue<>(copies.size(), false, copies);
  }

  /**
   * Starts configuring a backend serving one kind of data.
   *
   * @param kind one of {@link #KINDS} to serve its bundled sample data, or any other name (letters,
   *     digits, {@code -} and {@code _}, at most 64) together with {@link Builder#data(Path)}; it
   *     names the server's threads
   * @return a builder with the defaults: any free port on {@code 127.0.0.1}, the bundled data, no
   *     latency, no failures
   * @throws IllegalArgumentException if the kind is not such a name
   */
  public static Builder builder(String kind) {
    Objects.requireNonNull(kind, "kind");
    if (!KIND.matcher(kind).matches()) {
      throw new IllegalArgumentException(
          "a kind is letters, digits, '-' and '_', at most 64: \"" + kind + "\"");
    }
    return new Builder(kind);
  }

  /**
   * Configures and starts a {@link SearchBackendServer}: the shared settings of {@link
   * FakeServer.Builder}, and the data of this server. Not thread-safe.
   *
   * <p>The {@linkplain #latency latency} is waited out first by every request, whatever its answer.
   * The {@linkplain #failRate fail rate} picks among the valid requests (never one that gets 400 or
   * 405), after the latency, and answers each pick 500 {@code {"error": "injected failure"}}.
   */
  public static final class Builder extends FakeServer.Builder<Builder> {
    private final String kind;
    private Path data;
    private int indexCopies = Math.clamp(Runtime.getRuntime().availableProcessors(), 1, 4);

    private Builder(String kind) {
      this.kind = kind;
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * Serves the entries of a JSON Lines file (see the class javadoc) instead of the bundled sample
     * data. The file is read once, by {@link #start()}.
     *
     * @param file the file, UTF-8
     * @return this builder
     */
    public Builder data(Path file) {
      this.data = Objects.requireNonNull(file, "file");
      return this;
    }

    /**
     * How many independent copies of the index to build: the most queries that run at once.
     *
     * @param copies 1 or more; by default the number of processors, at most 4
     * @return this builder
     */
    Builder indexCopies(int copies) {
      this.indexCopies = atLeastOne("indexCopies", copies);
      return this;
    }

    /**
     * Loads the data, builds the index, binds the port and starts serving.
     *
     * @return the running server; close it to stop it
     * @throws IOException if the data cannot be read or a line of it is invalid (the message names
     *     the file and line), or the port cannot be bound (in use, no permission); nothing is left
     *     running then
     * @throws IllegalArgumentException if no data file was given and the kind is not one of {@link
     *     #KINDS}
     * @throws IllegalStateException if SQLite cannot build the index (its native library does not
     *     load, or it lacks FTS5)
     */
    @Override
    public SearchBackendServer start() throws IOException {
      List<Entry> entries = data != null ? readFile(data) : readBundled(kind);
      List<Index> copies = new ArrayList<>(indexCopies);
      try {
        for (int i = 0; i < indexCopies; i++) {
          copies.add(buildIndex(entries));
        }
        SearchBackendServer s = new SearchBackendServer(this, entries, copies);
        s.serve();
        return s;
      } catch (SQLException e) {
        copies.forEach(SearchBackendServer::closeQuietly);
        throw new IllegalStateException("cannot build the SQLite FTS5 index: " + e.getMessage(), e);
      } catch (IOException | RuntimeException e) {
        copies.forEach(SearchBackendServer::closeQuietly);
        throw e;
      }
    }
  }

  /**
   * The kind of data this server serves.
   *
   * @return the name given to {@link #builder(String)}
   */
  public String kind() {
    return kind;
  }

  /**
   * How many entries the index holds.
   *
   * @return the number of entries loaded
   */
  public int size() {
    return size;
  }

  /**
   * How many queries can run at once: the copies of the index.
   *
   * @return 1 or more
   */
  public int indexCopies() {
    return indexCopies;
  }

  /**
   * Counts the requests received, on every path and with every outcome, including ones still
   * waiting out their latency and ones dropped by {@link #close()}. A request is counted as soon as
   * its handler starts, before the latency.
   *
   * @return the number since the start
   */
  public long requests() {
    return requests.sum();
  }

  /**
   * Counts the 500 answers chosen by {@link Builder#failRate(double)}.
   *
   * @return the number since the start
   */
  public long failuresInjected() {
    return failuresInjected.sum();
  }

  /**
   * Runs a query against the index directly, without HTTP, latency or injected failures: what a 200
   * answer for {@code q=query} would hold.
   *
   * @param query the user's words, any text
   * @return at most {@value #MAX_HITS} hits, best first; empty if the query has no word
   * @throws InterruptedException if interrupted while waiting for a free copy of the index (all
   *     busy with other queries)
   * @throws IllegalStateException if the server is closed, or SQLite fails
   */
  public List<Hit> search(String query) throws InterruptedException {
    Objects.requireNonNull(query, "query");
    String match = toFtsQuery(query);
    if (isClosed()) {
      throw new IllegalStateException(this + " is closed");
    }
    if (match.isEmpty()) {
      return List.of();
    }
    Index index = indexes.take();
    try {
      if (index == Index.CLOSED) {
        throw new IllegalStateException(this + " is closed");
      }
      index.search().setString(1, match);
      List<Hit> hits = new ArrayList<>(MAX_HITS);
      try (ResultSet rs = index.search().executeQuery()) {
        while (rs.next()) {
          String snippet = rs.getString(3);
          hits.add(new Hit(rs.getString(1), rs.getString(2), snippet == null ? "" : snippet));
        }
      }
      return hits;
    } catch (SQLException e) {
      throw new IllegalStateException("search failed for " + match + ": " + e.getMessage(), e);
    } finally {
      indexes.add(index); // never full: every element taken is given back once
    }
  }

  /**
   * Turns a user's query into an FTS5 query that cannot be a syntax error: each word (split at
   * white space and control characters) that has a letter or digit, quoted as a phrase with its
   * double quotes doubled, joined by {@code OR}; at most {@value #MAX_TERMS} words.
   *
   * @param query any text
   * @return the FTS5 query, or {@code ""} when no word is left
   */
  static String toFtsQuery(String query) {
    StringBuilder out = new StringBuilder();
    StringBuilder word = new StringBuilder();
    boolean hasLetterOrDigit = false;
    int terms = 0;
    int i = 0;
    while (i <= query.length() && terms < MAX_TERMS) {
      int cp = i < query.length() ? query.codePointAt(i) : ' ';
      i += i < query.length() ? Character.charCount(cp) : 1;
      if (isSeparator(cp)) {
        if (hasLetterOrDigit) {
          if (terms++ > 0) {
            out.append(" OR ");
          }
          out.append('"');
          for (int j = 0; j < word.length(); j++) {
            char c = word.charAt(j);
            out.append(c == '"' ? "\"\"" : String.valueOf(c));
          }
          out.append('"');
        }
        word.setLength(0);
        hasLetterOrDigit = false;
      } else {
        word.appendCodePoint(cp);
        hasLetterOrDigit |= Character.isLetterOrDigit(cp);
      }
    }
    return out.toString();
  }

  private static boolean isSeparator(int cp) {
    return Character.isWhitespace(cp)
        || Character.isSpaceChar(cp)
        || Character.isISOControl(cp)
        || Character.getType(cp) == Character.SURROGATE; // a lone surrogate: not encodable
  }

  /**
   * Frees the copies of the index once no request thread is left; a {@link #search} still holding
   * one is waited for until the deadline.
   */
  @Override
  boolean release(long deadline) {
    boolean interrupted = false;
    int freed = 0;
    while (freed < indexCopies) {
      try {
        Index index = indexes.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (index == null) {
          throw new IllegalStateException(
              this + ": a search still held the index 10 s after close()");
        }
        closeQuietly(index);
        freed++;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    for (int i = 0; i < indexCopies; i++) {
      indexes.add(Index.CLOSED); // so that a late search() fails instead of waiting forever
    }
    return interrupted;
  }

  @Override
  String describe() {
    return kind + ", " + uri() + ", " + size + " entries";
  }

  // ---------------------------------------------------------------------------------------------
  // Request handling

  @Override
  void handle(HttpExchange exchange) {
    requests.increment();
    try (exchange) {
      if (!awaitLatency()) {
        return; // close() is stopping the server and has closed the connection: no answer
      }
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, error("method not allowed: use GET"));
        return;
      }
      String q;
      try {
        q = queryParameter(exchange.getRequestURI().getRawQuery(), "q");
      } catch (IllegalArgumentException e) {
        send(exchange, 400, error("malformed query string"));
        return;
      }
      if (q == null || q.isBlank()) {
        send(exchange, 400, error("missing query parameter q"));
        return;
      }
      if (drawFailure()) {
        failuresInjected.increment();
        send(exchange, 500, error("injected failure"));
        return;
      }
      List<Hit> hits;
      try {
        hits = search(q);
      } catch (InterruptedException e) {
        return; // close() is stopping the server: no answer
      }
      send(exchange, 200, hits);
    } catch (RuntimeException e) {
      // A bug or a SQLite failure: answer 500 if the answer has not started; the try closes it.
      if (exchange.getResponseCode() == -1) {
        send(exchange, 500, error("internal error"));
      }
    }
  }

  private static Map<String, String> error(String message) {
    return Map.of("error", message);
  }

  private static void send(HttpExchange exchange, int status, Object body) {
    sendJson(exchange, status, "application/json; charset=utf-8", body);
  }

  /**
   * The decoded value of the first parameter {@code name} of a raw query string.
   *
   * @return the value ({@code ""} for {@code q} or {@code q=}), or null when absent
   * @throws IllegalArgumentException for a malformed {@code %} escape
   */
  static String queryParameter(String rawQuery, String name) {
    if (rawQuery == null) {
      return null;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      if (key.equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Data and index

  private static List<Entry> readBundled(String kind) throws IOException {
    String resource = "/dev/fanout/fakes/data/" + kind + ".jsonl";
    InputStream in =
        KINDS.contains(kind) ? SearchBackendServer.class.getResourceAsStream(resource) : null;
    if (in == null) {
      throw new IllegalArgumentException(
          "no bundled data for kind \""
              + kind
              + "\" (there is for "
              + KINDS
              + "): give a data file");
    }
    try (in) {
      return read(in, "classpath:" + resource);
    }
  }

  private static List<Entry> readFile(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  private static List<Entry> read(InputStream in, String source) throws IOException {
    List<Entry> entries = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    var decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, decoder));
    int lineNumber = 0;
    String line;
    try {
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (lineNumber == 1 && line.startsWith("\uFEFF")) {
          line = line.substring(1);
        }
        if (line.isBlank()) {
          continue;
        }
        Entry entry = parse(line, source, lineNumber);
        if (!ids.add(entry.id())) {
          throw new IOException(
              source + ":" + lineNumber + ": duplicate id \"" + entry.id() + "\"");
        }
        entries.add(entry);
      }
    } catch (CharacterCodingException e) {
      throw new IOException(source + ":" + (lineNumber + 1) + ": not valid UTF-8", e);
    }
    return entries;
  }

  private static Entry parse(String line, String source, int lineNumber) throws IOException {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IOException(
          source + ":" + lineNumber + ": not a JSON object: " + e.getOriginalMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new IOException(source + ":" + lineNumber + ": not a JSON object");
    }
    String id = requiredText(node, "id", source, lineNumber);
    String title = requiredText(node, "title", source, lineNumber);
    JsonNode body = node.get("body");
    if (body != null && !body.isNull() && !body.isTextual()) {
      throw new IOException(source + ":" + lineNumber + ": \"body\" must be a string");
    }
    return new Entry(id, title, body == null || body.isNull() ? "" : body.asText());
  }

  private static String requiredText(JsonNode node, String field, String source, int lineNumber)
      throws IOException {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isEmpty()) {
      throw new IOException(
          source + ":" + lineNumber + ": \"" + field + "\" must be a non-empty string");
    }
    return value.asText();
  }

  private static Index buildIndex(List<Entry> entries) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
    try {
      try (Statement s = c.createStatement()) {
        s.execute(
            "CREATE VIRTUAL TABLE entries USING fts5(id UNINDEXED, title, body,"
                + " tokenize = 'porter unicode61 remove_diacritics 2')");
        // bm25 weights per column: id (not indexed), title, body.
        s.execute(
            "INSERT INTO entries(entries, rank) VALUES('rank', 'bm25(0.0, "
                + TITLE_WEIGHT
                + ", 1.0)')");
      }
      c.setAutoCommit(false);
      try (PreparedStatement insert =
          c.prepareStatement("INSERT INTO entries(id, title, body) VALUES (?, ?, ?)")) {
        for (Entry e : entries) {
          insert.setString(1, e.id());
          insert.setString(2, e.title());
          insert.setString(3, e.body());
          insert.addBatch();
        }
        insert.executeBatch();
      }
      c.commit();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO entries(entries) VALUES('optimize')");
      }
      return new Index(c, c.prepareStatement(SEARCH_SQL));
    } catch (SQLException | RuntimeException e) {
      try {
        c.close();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static void closeQuietly(Index index) {
    if (index.connection() == null) {
      return;
    }
    try {
      index.search().close();
      index.connection().close();
    } catch (SQLException ignored) {
      // Freeing an in-memory database: nothing useful to do about a failure.
    }
  }
}
