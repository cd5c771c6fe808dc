package dev.fanout.translate.backend;

import dev.fanout.translate.Languages;
import dev.fanout.translate.TranslationException;
import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.format.Unit;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Translates with the Apertium engine installed on this machine, with no server: each language pair
 * gets a small pool of long-lived engine pipelines, started lazily from the pair's mode file.
 *
 * <h2>How</h2>
 *
 * A pair's mode file ({@code eng-spa.mode} in {@link #modesDirectory()}) is the shell pipeline that
 * translates Apertium's stream format: {@code lt-proc ... | apertium-tagger ... | ... | lt-proc -p
 * ...}. This class parses it (single and double quotes, backslashes; no other shell syntax), puts
 * {@code -z} (null-flush mode) after each program's name, replaces {@code $1} with {@code -n} (no
 * {@code *} marks on unknown words), drops {@code $2}, and starts the stages as one pipeline with
 * {@link ProcessBuilder#startPipeline}. In null-flush mode every stage answers everything it has
 * read as soon as it reads a NUL byte, so one pipeline serves request after request: per request
 * the text is deformatted by a short-lived {@code apertium-destxt} process ({@code
 * apertium-deshtml} for {@link TranslationRequest.Format#HTML}), written to the pipeline followed
 * by a NUL, the answer read up to the next NUL, and reformatted by {@code apertium-retxt} ({@code
 * apertium-rehtml}). The formatters run per request because they neither flush nor keep NULs: they
 * only answer at the end of their input. The {@code apertium} command itself cannot be the engine
 * for the same reason.
 *
 * <p>A pipeline serves one request at a time. Each pair has {@code pipelinesPerPair} of them
 * (default: the number of cores), lent through a blocking queue: a call waits for a free one. A
 * pipeline is started by the first call that finds its slot empty (its first answer takes about 100
 * ms while the stages load their data) and lives until {@link #close()} or until it fails. The
 * formatters run outside the pipeline's loan, so the pipeline works while other calls deformat and
 * reformat.
 *
 * <h2>Threads</h2>
 *
 * The calling thread does all the reading: it polls the processes' output with {@link
 * InputStream#available()} and sleeps between polls (20 µs, doubling to at most 500 µs while
 * nothing arrives), so no thread is parked on a pipe between or during requests and the wait stays
 * interruptible. Requests of more than 4 KiB are written by a short-lived virtual thread, so that a
 * large request cannot fill the pipe while the caller is not reading; it ends with the request.
 * (The JDK itself keeps a "process reaper" thread per child process, so a pipeline of eleven stages
 * costs eleven such threads while it lives.)
 *
 * <h2>Failures</h2>
 *
 * <ul>
 *   <li>No mode file for the pair (or a language code {@link Languages} does not know): permanent
 *       {@code unsupported_pair}.
 *   <li>A mode file that cannot be read or uses shell syntax this class does not run, or a program
 *       that is not installed: permanent {@code engine_error}.
 *   <li>A pipeline stage that exits, an answer that is not UTF-8, too long, or followed by more
 *       output than it should: the pipeline is destroyed (with any children of its processes) and
 *       its slot emptied, so the next call starts a new one; the call fails with transient {@code
 *       engine_error}, whose message quotes the end of the stages' standard error. A pipeline that
 *       died while idle is replaced without failing a call. A formatter that exits with an error:
 *       transient {@code engine_error}; the pipeline is kept.
 *   <li>Timeout ({@code timeout}, default 60 s): the time a call spends deformatting, translating
 *       (including starting a pipeline) and reformatting; waiting for a free pipeline does not
 *       count. When it runs out the processes the call was using are destroyed and the call fails
 *       with transient {@code timeout}.
 *   <li>Interruption, while waiting for a pipeline or while working: the processes the call was
 *       using are destroyed (the pipeline is in an unknown state, half a request in it) and waited
 *       for, then {@link InterruptedException} is thrown. A call that was only waiting for a
 *       pipeline destroys nothing.
 *   <li>{@link #close()} while calls are in flight: they fail with transient {@code engine_error};
 *       calls made after it throw {@link IllegalStateException}.
 * </ul>
 *
 * <p>Text: NUL characters are removed from requests (they would end the request early); a blank
 * request is returned unchanged without running anything. The standard error of the processes is
 * read only to quote it in failures; nothing is logged.
 *
 * <p>Thread-safe; meant to be shared by all the workers of a job and closed once at the end.
 */
public final class ApertiumLocalTranslator implements Apertium {

  /** Environment variable naming another directory of mode files than the default one. */
  public static final String MODES_DIRECTORY_ENV = "FANOUT_APERTIUM_MODES";

  /** Where Debian's and Ubuntu's {@code apertium-*} language pair packages put mode files. */
  public static final Path DEFAULT_MODES_DIRECTORY = Path.of("/usr/share/apertium/modes");

  /** Default limit on the engine time of one call. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /** The programs this class runs for every pair, whatever the mode files name besides. */
  static final List<String> REQUIRED_PROGRAMS =
      List.of(
          "lt-proc", "apertium-destxt", "apertium-retxt", "apertium-deshtml", "apertium-rehtml");

  /** Writes this small always fit in an empty pipe (one page), so the caller makes them itself. */
  private static final int DIRECT_WRITE_LIMIT = 4096;

  private static final long MIN_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
  private static final long MAX_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
  private static final Duration EXIT_WAIT = Duration.ofSeconds(5);
  private static final int STDERR_TAIL_BYTES = 1024;

  private final Path modesDirectory;
  private final int pipelinesPerPair;
  private final long timeoutNanos;
  private final ConcurrentHashMap<String, PairPool> pools = new ConcurrentHashMap<>();

  private final ReentrantLock lifecycle = new ReentrantLock();
  private boolean closed; // guarded by lifecycle
  private final Set<Pipeline> pipelines = new HashSet<>(); // guarded by lifecycle
  private final Set<Process> formatters = new HashSet<>(); // guarded by lifecycle

  private final AtomicInteger pipelinesStarted = new AtomicInteger();
  private final AtomicInteger pipelinesBusy = new AtomicInteger();

  /**
   * A translator for the mode files of {@link #modesDirectory()}, with one pipeline per core for
   * each pair, at most {@link #DEFAULT_MAX_PIPELINES} (an eng-spa pipeline is 11 processes and
   * about 110 MiB), and a timeout of 60 s. Starts nothing: pipelines start with the first calls.
   */
  public ApertiumLocalTranslator() {
    this(
        modesDirectory(),
        Math.min(DEFAULT_MAX_PIPELINES, Runtime.getRuntime().availableProcessors()),
        DEFAULT_TIMEOUT);
  }

  /** The most pipelines per pair the no-argument constructor starts. */
  public static final int DEFAULT_MAX_PIPELINES = 4;

  /**
   * A translator for the mode files in {@code modesDirectory}. Starts nothing: pipelines start with
   * the first calls.
   *
   * @param modesDirectory where the {@code xxx-yyy.mode} files are
   * @param pipelinesPerPair how many pipelines each pair may run at once (each is about a dozen
   *     processes; a pipeline serves one call at a time)
   * @param timeout the longest one call may spend in the engine, formatters included, waiting for a
   *     free pipeline excluded
   * @throws IllegalArgumentException if {@code pipelinesPerPair} is less than 1 or {@code timeout}
   *     is not positive
   */
  public ApertiumLocalTranslator(Path modesDirectory, int pipelinesPerPair, Duration timeout) {
    this.modesDirectory = Objects.requireNonNull(modesDirectory, "modesDirectory");
    if (pipelinesPerPair < 1) {
      throw new IllegalArgumentException(
          "pipelinesPerPair must be at least 1: " + pipelinesPerPair);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.pipelinesPerPair = pipelinesPerPair;
    this.timeoutNanos = saturatedNanos(timeout);
  }

  /**
   * The directory of mode files that the no-argument constructor and the one-argument-less static
   * helpers use: {@value #MODES_DIRECTORY_ENV} when set and not blank, else {@link
   * #DEFAULT_MODES_DIRECTORY}.
   *
   * @return the directory (which may not exist)
   */
  public static Path modesDirectory() {
    String env = System.getenv(MODES_DIRECTORY_ENV);
    return env == null || env.isBlank() ? DEFAULT_MODES_DIRECTORY : Path.of(env.strip());
  }

  /**
   * Whether Apertium's programs are installed: {@code lt-proc} and the text and HTML formatters
   * ({@code apertium-destxt}, {@code apertium-retxt}, {@code apertium-deshtml}, {@code
   * apertium-rehtml}) are executable files on {@code PATH}. Language pairs are separate packages:
   * see {@link #supports}.
   *
   * @return true when all of them are found
   */
  public static boolean installed() {
    return REQUIRED_PROGRAMS.stream().allMatch(p -> findProgram(p).isPresent());
  }

  /**
   * The translation modes in {@link #modesDirectory()}.
   *
   * @return mode names such as {@code eng-spa} and {@code spa-eng_US}, sorted; empty when the
   *     directory does not exist or cannot be read
   */
  public static Set<String> pairs() {
    return pairs(modesDirectory());
  }

  /**
   * The translation modes in a directory of mode files.
   *
   * @param modesDirectory the directory
   * @return mode names such as {@code eng-spa} and {@code spa-eng_US} (file names without {@code
   *     .mode}), sorted; empty when the directory does not exist or cannot be read
   */
  public static Set<String> pairs(Path modesDirectory) {
    Set<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.list(modesDirectory)) {
      files
          .filter(Files::isRegularFile)
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".mode") && n.length() > ".mode".length())
          .forEach(n -> names.add(n.substring(0, n.length() - ".mode".length())));
    } catch (IOException | RuntimeException e) {
      return Set.of();
    }
    return Collections.unmodifiableSet(names);
  }

  /**
   * Whether {@link #modesDirectory()} has a mode for translating {@code from} into {@code to}.
   *
   * @param from the source language, ISO 639-1 ({@code en}) or 639-3 ({@code eng})
   * @param to the target language
   * @return true when a mode file exists for the pair; false also for codes {@link Languages} does
   *     not know
   */
  public static boolean supports(String from, String to) {
    return supports(modesDirectory(), from, to);
  }

  /**
   * Whether a directory of mode files has a mode for translating {@code from} into {@code to}:
   * {@code eng-spa.mode}, or the two-letter spelling {@code en-es.mode} that some older pairs use.
   *
   * @param modesDirectory the directory
   * @param from the source language, ISO 639-1 ({@code en}) or 639-3 ({@code eng})
   * @param to the target language
   * @return true when a mode file exists for the pair; false also for codes {@link Languages} does
   *     not know
   */
  public static boolean supports(Path modesDirectory, String from, String to) {
    return modeFile(modesDirectory, from, to).isPresent();
  }

  /**
   * Translates one segment with a pipeline of the request's pair, starting one if its slot is
   * empty. The API key is ignored.
   *
   * @throws TranslationException permanent {@code unsupported_pair} when no mode file exists for
   *     the pair; permanent {@code engine_error} when the mode file cannot be used; transient
   *     {@code engine_error} when a process failed or answered garbage (a broken pipeline is
   *     destroyed and replaced by the next call) or the translator was closed meanwhile; transient
   *     {@code timeout} when the call's engine time ran out (the processes it used are destroyed)
   * @throws InterruptedException when the calling thread was interrupted while waiting for a
   *     pipeline or while working; the processes the call was using are destroyed and have exited
   *     when this is thrown
   * @throws IllegalStateException if the translator was closed before the call
   */
  @Override
  public String translate(TranslationRequest request)
      throws TranslationException, InterruptedException {
    if (isClosed()) {
      throw new IllegalStateException("the Apertium translator is closed");
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    PairPool pool = pool(request.from(), request.to());
    String text =
        request.text().indexOf('\0') >= 0 ? request.text().replace("\0", "") : request.text();
    if (text.isBlank()) {
      return text;
    }
    boolean html = request.format() == TranslationRequest.Format.HTML;
    long budget = timeoutNanos;

    long start = System.nanoTime();
    byte[] deformatted =
        runFormatter(
            html ? "apertium-deshtml" : "apertium-destxt",
            text.getBytes(StandardCharsets.UTF_8),
            start + budget);
    deformatted = superblankTokens(withoutNul(deformatted));
    budget -= System.nanoTime() - start;

    byte[] answer;
    Slot slot = pool.free.take(); // interruptible; does not count against the timeout
    try {
      start = System.nanoTime();
      answer = exchange(pool, slot, deformatted, start + budget);
      budget -= System.nanoTime() - start;
    } finally {
      pool.free.add(slot);
    }

    start = System.nanoTime();
    byte[] reformatted =
        runFormatter(html ? "apertium-rehtml" : "apertium-retxt", answer, start + budget);
    try {
      return decodeStrictly(reformatted);
    } catch (CharacterCodingException e) {
      throw engineError("the reformatter's output is not UTF-8", e);
    }
  }

  /**
   * Makes each format-layer token ({@code ⟦n⟧}, as {@link Unit#tokenEnd} reads it) a superblank of
   * Apertium's stream format, {@code [⟦n⟧]}: the engine keeps blanks whole and in their order,
   * where it would read the brackets as punctuation, split them from their number and reorder words
   * through them (measured: "the user's ⟦2⟧ file" came back as "la⟧ 2 lima de ⟦el usuario"). The
   * reformatter writes a blank's content back as it was. Anything else is left as it is.
   */
  static byte[] superblankTokens(byte[] deformatted) {
    String s = new String(deformatted, StandardCharsets.UTF_8);
    if (s.indexOf(Unit.OPEN) < 0) {
      return deformatted;
    }
    StringBuilder out = new StringBuilder(s.length() + 16);
    int from = 0;
    for (int i = s.indexOf(Unit.OPEN); i >= 0; i = s.indexOf(Unit.OPEN, i + 1)) {
      int end = Unit.tokenEnd(s, i);
      if (end > i) {
        out.append(s, from, i).append('[').append(s, i, end).append(']');
        from = end;
        i = end - 1;
      }
    }
    return out.append(s, from, s.length()).toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Destroys every pipeline and formatter process this translator started, with their children, and
   * waits up to 5 s in all for them to exit. Calls in flight fail with transient {@code
   * engine_error}; later calls throw {@link IllegalStateException}. Idempotent. If the calling
   * thread is interrupted meanwhile it still waits, and its interrupt status is set again on
   * return.
   */
  @Override
  public void close() {
    List<Pipeline> toKill;
    List<Process> formatterProcesses;
    lifecycle.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      toKill = new ArrayList<>(pipelines);
      formatterProcesses = new ArrayList<>(formatters);
    } finally {
      lifecycle.unlock();
    }
    List<ProcessHandle> dying = new ArrayList<>();
    for (Pipeline p : toKill) {
      dying.addAll(p.kill());
    }
    for (Process p : formatterProcesses) {
      dying.addAll(kill(p));
    }
    awaitExit(dying);
  }

  @Override
  public String toString() {
    return "ApertiumLocalTranslator["
        + modesDirectory
        + ", "
        + pipelinesPerPair
        + " pipelines per pair, "
        + pipelinesStarted.get()
        + " started"
        + (isClosed() ? ", closed" : "")
        + "]";
  }

  // ---------------------------------------------------------------- for tests

  /** How many pipelines this translator has started so far. */
  int pipelinesStarted() {
    return pipelinesStarted.get();
  }

  /** How many pipelines are translating a request right now. */
  int pipelinesBusy() {
    return pipelinesBusy.get();
  }

  /** The live processes of the live pipelines. */
  List<ProcessHandle> pipelineProcesses() {
    lifecycle.lock();
    try {
      return pipelines.stream()
          .flatMap(p -> p.stages.stream())
          .map(s -> s.process.toHandle())
          .filter(ProcessHandle::isAlive)
          .toList();
    } finally {
      lifecycle.unlock();
    }
  }

  // ---------------------------------------------------------------- pairs and pipelines

  private boolean isClosed() {
    lifecycle.lock();
    try {
      return closed;
    } finally {
      lifecycle.unlock();
    }
  }

  private PairPool pool(String from, String to) throws TranslationException {
    Optional<Path> file = modeFile(modesDirectory, from, to);
    if (file.isEmpty()) {
      throw TranslationException.permanent(
          "unsupported_pair",
          0,
          "Apertium has no "
              + from
              + "->"
              + to
              + " mode in "
              + modesDirectory
              + " (installed: "
              + pairs(modesDirectory)
              + ")",
          null);
    }
    Path path = file.get();
    String name = path.getFileName().toString();
    PairPool pool = pools.get(name);
    if (pool == null) {
      List<List<String>> commands;
      try {
        commands = ModeFile.commands(Files.readString(path, StandardCharsets.UTF_8));
      } catch (IOException | IllegalArgumentException e) {
        throw TranslationException.permanent(
            "engine_error", 0, "cannot use the Apertium mode file " + path + ": " + e, e);
      }
      for (List<String> command : commands) {
        if (findProgram(command.get(0)).isEmpty()) {
          throw TranslationException.permanent(
              "engine_error",
              0,
              "the Apertium mode file "
                  + path
                  + " runs "
                  + command.get(0)
                  + ", which is not installed",
              null);
        }
      }
      PairPool fresh =
          new PairPool(name.substring(0, name.length() - 5), commands, pipelinesPerPair);
      pool = Objects.requireNonNullElse(pools.putIfAbsent(name, fresh), fresh);
    }
    return pool;
  }

  /**
   * The pair's engine data as it is on this machine: a digest of its mode file and of the size and
   * time of every file the mode file names (dictionaries, transfer rules), so that a new version of
   * the pair's package makes new translation-memory keys. Empty when the pair is not installed.
   */
  @Override
  public String version(String from, String to) {
    Optional<Path> mode = modeFile(modesDirectory, from, to);
    if (mode.isEmpty()) {
      return "";
    }
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      String text = Files.readString(mode.get());
      md.update(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("/[^\\s'\"]+").matcher(text);
      while (m.find()) {
        Path p = Path.of(m.group());
        if (Files.isRegularFile(p)) {
          md.update(
              (p + " " + Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis() + "\n")
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      String name = mode.get().getFileName().toString();
      return name.substring(0, name.length() - ".mode".length())
          + ":"
          + java.util.HexFormat.of().formatHex(md.digest(), 0, 6);
    } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
      return ""; // unreadable: the run says so when it starts the pair; the name alone keys
    }
  }

  static Optional<Path> modeFile(Path modesDirectory, String from, String to) {
    String from1;
    String to1;
    try {
      from1 = Languages.iso1(from);
      to1 = Languages.iso1(to);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    List<String> names = new ArrayList<>();
    Optional<String> from3 = Languages.iso3(from1);
    Optional<String> to3 = Languages.iso3(to1);
    if (from3.isPresent() && to3.isPresent()) {
      names.add(from3.get() + "-" + to3.get());
    }
    names.add(from1 + "-" + to1);
    for (String n : names) {
      Path f = modesDirectory.resolve(n + ".mode");
      if (Files.isRegularFile(f)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  /** Runs one request through a pipeline of the slot, starting or replacing it as needed. */
  private byte[] exchange(PairPool pool, Slot slot, byte[] request, long deadline)
      throws TranslationException, InterruptedException {
    Pipeline p = slot.pipeline;
    if (p != null && !p.idleAndHealthy()) {
      // Died or misbehaved while idle: replace it without failing the call.
      slot.pipeline = null;
      discard(p);
      p = null;
    }
    if (p == null) {
      p = startPipeline(pool);
      slot.pipeline = p;
    }
    pipelinesBusy.incrementAndGet();
    try {
      return p.exchange(request, deadline);
    } catch (EngineFailure e) {
      slot.pipeline = null;
      discard(p);
      throw e.timeout
          ? TranslationException.transientFailure("timeout", 0, null, e.getMessage(), null)
          : engineError(isClosed() ? "the Apertium translator was closed" : e.getMessage(), null);
    } catch (InterruptedException | RuntimeException | Error e) {
      slot.pipeline = null;
      discard(p);
      throw e;
    } finally {
      pipelinesBusy.decrementAndGet();
    }
  }

  private Pipeline startPipeline(PairPool pool) throws TranslationException {
    List<ProcessBuilder> builders = new ArrayList<>();
    for (List<String> command : pool.commands) {
      builders.add(new ProcessBuilder(command));
    }
    List<Process> processes;
    try {
      processes = ProcessBuilder.startPipeline(builders);
    } catch (IOException e) {
      throw engineError("cannot start the Apertium pipeline for " + pool.name + ": " + e, e);
    }
    Pipeline p = new Pipeline(pool.name, pool.commands, processes);
    lifecycle.lock();
    try {
      if (!closed) {
        pipelines.add(p);
        pipelinesStarted.incrementAndGet();
        return p;
      }
    } finally {
      lifecycle.unlock();
    }
    awaitExit(p.kill());
    throw engineError("the Apertium translator was closed", null);
  }

  /** Destroys a pipeline and waits for its processes, even if interrupted meanwhile. */
  private void discard(Pipeline p) {
    awaitExit(p.kill());
    lifecycle.lock();
    try {
      pipelines.remove(p);
    } finally {
      lifecycle.unlock();
    }
  }

  // ---------------------------------------------------------------- formatters

  /**
   * Runs a formatter on {@code input} and returns its output. The calling thread reads; a virtual
   * thread writes inputs too large to fit in a pipe at once.
   */
  private byte[] runFormatter(String program, byte[] input, long deadline)
      throws TranslationException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(program).start();
    } catch (IOException e) {
      throw TranslationException.permanent(
          "engine_error", 0, "cannot run " + program + " (is Apertium installed?): " + e, e);
    }
    lifecycle.lock();
    try {
      if (closed) {
        p.destroyForcibly();
      } else {
        formatters.add(p);
      }
    } finally {
      lifecycle.unlock();
    }
    Thread writer = null;
    boolean done = false;
    try {
      OutputStream stdin = p.getOutputStream();
      if (input.length <= DIRECT_WRITE_LIMIT) {
        try {
          stdin.write(input);
        } catch (IOException e) {
          // The process died already; its exit status says why.
        }
        closeQuietly(stdin);
      } else {
        writer = startWriter(program, stdin, input, true);
      }
      InputStream stdout = p.getInputStream();
      InputStream stderr = p.getErrorStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream(input.length + input.length / 4 + 64);
      Tail err = new Tail();
      Backoff backoff = new Backoff();
      while (true) {
        boolean progress = drainAvailable(stdout, out) | drainAvailable(stderr, err);
        if (!p.isAlive()) {
          // Everything it wrote is in the pipe (or in the JDK's copy of it) by now.
          drainAvailable(stdout, out);
          drainAvailable(stderr, err);
          break;
        }
        if (!progress) {
          if (System.nanoTime() - deadline >= 0) {
            throw TranslationException.transientFailure(
                "timeout", 0, null, program + " did not finish in time", null);
          }
          backoff.pause();
        } else {
          backoff.reset();
        }
      }
      int code = p.exitValue();
      if (code != 0) {
        throw engineError(
            isClosed()
                ? "the Apertium translator was closed"
                : program + " exited with status " + code + err.describe(),
            null);
      }
      done = true;
      return out.toByteArray();
    } catch (IOException e) {
      throw engineError(
          isClosed() ? "the Apertium translator was closed" : "reading " + program + ": " + e, e);
    } finally {
      if (!done) {
        awaitExit(kill(p));
      }
      if (writer != null) {
        joinQuietly(writer);
      }
      closeQuietly(p.getInputStream());
      closeQuietly(p.getErrorStream());
      closeQuietly(p.getOutputStream());
      lifecycle.lock();
      try {
        formatters.remove(p);
      } finally {
        lifecycle.unlock();
      }
    }
  }

  // ---------------------------------------------------------------- one pipeline

  /** One slot of a pair's pool: holds a pipeline once one was started. Owned by its borrower. */
  private static final class Slot {
    Pipeline pipeline; // accessed by the borrower only; the queue hands it over
  }

  /** The pipelines of one pair. */
  private static final class PairPool {
    final String name;
    final List<List<String>> commands;
    final BlockingQueue<Slot> free;

    PairPool(String name, List<List<String>> commands, int size) {
      this.name = name;
      this.commands = commands;
      this.free = new ArrayBlockingQueue<>(size);
      for (int i = 0; i < size; i++) {
        free.add(new Slot());
      }
    }
  }

  /** A process of a pipeline, its program's name and the end of its standard error. */
  private record Stage(String program, Process process, Tail stderr) {}

  /** Signals a broken pipeline (or a timeout) inside {@link Pipeline#exchange}. */
  private static final class EngineFailure extends Exception {
    private static final long serialVersionUID = 1L;
    final boolean timeout;

    EngineFailure(String message, boolean timeout) {
      super(message, null, false, false);
      this.timeout = timeout;
    }
  }

  /** A running null-flush pipeline: stdin of the first stage, stdout of the last one. */
  private static final class Pipeline {
    final String pair;
    final List<Stage> stages;
    final OutputStream in;
    final InputStream out;

    Pipeline(String pair, List<List<String>> commands, List<Process> processes) {
      this.pair = pair;
      List<Stage> s = new ArrayList<>();
      for (int i = 0; i < processes.size(); i++) {
        s.add(new Stage(programName(commands.get(i).get(0)), processes.get(i), new Tail()));
      }
      this.stages = List.copyOf(s);
      this.in = processes.get(0).getOutputStream();
      this.out = processes.get(processes.size() - 1).getInputStream();
    }

    /** True when every stage runs and nothing is waiting to be read. */
    boolean idleAndHealthy() {
      try {
        drainStderr();
        if (out.available() > 0) {
          return false; // output nobody asked for: out of step
        }
      } catch (IOException e) {
        return false;
      }
      return stages.stream().allMatch(s -> s.process.isAlive());
    }

    /** Sends a request followed by NUL and returns the answer, read up to the next NUL. */
    byte[] exchange(byte[] request, long deadline) throws EngineFailure, InterruptedException {
      Thread writer = null;
      if (request.length < DIRECT_WRITE_LIMIT) {
        try {
          in.write(request);
          in.write(0);
          in.flush();
        } catch (IOException e) {
          throw failure("writing the request: " + e);
        }
      } else {
        byte[] framed = Arrays.copyOf(request, request.length + 1);
        writer = startWriter("pipeline " + pair, in, framed, false);
      }
      try {
        return readAnswer(request.length, deadline);
      } finally {
        if (writer != null) {
          if (writer.isAlive()) {
            // Still writing after a failure: killing the pipeline makes its write fail.
            kill();
          }
          joinQuietly(writer);
        }
      }
    }

    private byte[] readAnswer(int requestLength, long deadline)
        throws EngineFailure, InterruptedException {
      long limit = Math.max(1L << 20, 16L * requestLength);
      ByteArrayOutputStream answer = new ByteArrayOutputStream(requestLength + 64);
      byte[] buffer = new byte[8192];
      Backoff backoff = new Backoff();
      try {
        while (true) {
          int n = out.available();
          if (n > 0) {
            int r = out.read(buffer, 0, Math.min(n, buffer.length));
            if (r < 0) {
              throw failure("its output ended");
            }
            int nul = indexOfNul(buffer, r);
            if (nul >= 0) {
              answer.write(buffer, 0, nul);
              if (nul != r - 1 || out.available() > 0) {
                throw failure("it answered more than one request's worth (out of step)");
              }
              byte[] bytes = answer.toByteArray();
              try {
                decodeStrictly(bytes);
              } catch (CharacterCodingException e) {
                throw failure("its answer is not UTF-8");
              }
              return bytes;
            }
            answer.write(buffer, 0, r);
            if (answer.size() > limit) {
              throw failure("its answer exceeds " + limit + " bytes without an end");
            }
            backoff.reset();
            continue;
          }
          drainStderr();
          for (Stage s : stages) {
            if (!s.process.isAlive()) {
              drainStderr(); // what it wrote just before exiting
              throw failure(
                  s.program + " exited with status " + s.process.exitValue() + s.stderr.describe());
            }
          }
          if (System.nanoTime() - deadline >= 0) {
            throw new EngineFailure(
                "the Apertium " + pair + " pipeline did not answer in time", true);
          }
          backoff.pause();
        }
      } catch (IOException e) {
        throw failure("reading its output: " + e);
      }
    }

    private EngineFailure failure(String what) {
      StringBuilder sb = new StringBuilder("the Apertium " + pair + " pipeline failed: " + what);
      for (Stage s : stages) {
        if (s.stderr.size() > 0 && !what.contains(s.program + " exited")) {
          sb.append("; ").append(s.program).append(s.stderr.describe());
        }
      }
      return new EngineFailure(sb.toString(), false);
    }

    private void drainStderr() throws IOException {
      for (Stage s : stages) {
        drainAvailable(s.process.getErrorStream(), s.stderr);
      }
    }

    /** Kills every stage and its children at once; returns what to wait for. */
    List<ProcessHandle> kill() {
      List<ProcessHandle> dying = new ArrayList<>();
      for (Stage s : stages) {
        dying.addAll(ApertiumLocalTranslator.kill(s.process));
      }
      closeQuietly(in);
      for (Stage s : stages) {
        closeQuietly(s.process.getInputStream());
        closeQuietly(s.process.getErrorStream());
      }
      return dying;
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Mode file parsing: a shell pipeline of simple commands, turned into null-flush commands. */
  static final class ModeFile {
    private ModeFile() {}

    /**
     * The commands of a mode file's pipeline, each with {@code -z} after the program, {@code $1}
     * replaced with {@code -n} and {@code $2} dropped.
     *
     * @throws IllegalArgumentException for anything but simple commands joined by {@code |}
     */
    static List<List<String>> commands(String modeText) {
      String text = modeText.strip();
      if (text.isEmpty()) {
        throw new IllegalArgumentException("the mode file is empty");
      }
      List<List<String>> stages = new ArrayList<>();
      List<String> stage = new ArrayList<>();
      StringBuilder token = new StringBuilder();
      boolean inToken = false;
      int i = 0;
      while (i < text.length()) {
        char c = text.charAt(i);
        if (c == ' ' || c == '\t' || c == '|') {
          if (inToken) {
            stage.add(token.toString());
            token.setLength(0);
            inToken = false;
          }
          if (c == '|') {
            endStage(stages, stage);
            stage = new ArrayList<>();
          }
          i++;
        } else if (c == '\'') {
          int end = text.indexOf('\'', i + 1);
          if (end < 0) {
            throw new IllegalArgumentException("unterminated ' quote");
          }
          token.append(text, i + 1, end);
          inToken = true;
          i = end + 1;
        } else if (c == '"') {
          i++;
          while (true) {
            if (i >= text.length()) {
              throw new IllegalArgumentException("unterminated \" quote");
            }
            char d = text.charAt(i);
            if (d == '"') {
              i++;
              break;
            }
            if (d == '$' || d == '`') {
              throw new IllegalArgumentException("unsupported shell syntax: " + d + " in quotes");
            }
            if (d == '\\' && i + 1 < text.length() && "\"\\$`".indexOf(text.charAt(i + 1)) >= 0) {
              d = text.charAt(++i);
            }
            token.append(d);
            i++;
          }
          inToken = true;
        } else if (c == '\\') {
          if (i + 1 >= text.length()) {
            throw new IllegalArgumentException("a backslash at the end");
          }
          token.append(text.charAt(i + 1));
          inToken = true;
          i += 2;
        } else if (c == '$') {
          boolean alone =
              !inToken
                  && i + 1 < text.length()
                  && (text.charAt(i + 1) == '1' || text.charAt(i + 1) == '2')
                  && (i + 2 == text.length() || " \t|".indexOf(text.charAt(i + 2)) >= 0);
          if (!alone) {
            throw new IllegalArgumentException("unsupported shell syntax: $ other than $1 or $2");
          }
          if (text.charAt(i + 1) == '1') {
            stage.add("-n"); // no * marks on unknown words
          }
          i += 2;
        } else if ("\n\r;&<>()`".indexOf(c) >= 0) {
          throw new IllegalArgumentException(
              "unsupported shell syntax: " + (c == '\n' || c == '\r' ? "a line break" : c));
        } else {
          token.append(c);
          inToken = true;
          i++;
        }
      }
      if (inToken) {
        stage.add(token.toString());
      }
      endStage(stages, stage);
      return List.copyOf(stages);
    }

    private static void endStage(List<List<String>> stages, List<String> stage) {
      if (stage.isEmpty() || stage.get(0).startsWith("-")) {
        throw new IllegalArgumentException("a pipeline stage without a program");
      }
      List<String> command = new ArrayList<>(stage.size() + 1);
      command.add(stage.get(0));
      if (!stage.contains("-z")) {
        command.add("-z");
      }
      command.addAll(stage.subList(1, stage.size()));
      stages.add(List.copyOf(command));
    }
  }

  /** Sleeps a little longer each time nothing happened: 20 µs doubling up to 500 µs. */
  private static final class Backoff {
    private long nanos = MIN_PAUSE_NANOS;

    void reset() {
      nanos = MIN_PAUSE_NANOS;
    }

    void pause() throws InterruptedException {
      Thread.sleep(Duration.ofNanos(nanos));
      nanos = Math.min(MAX_PAUSE_NANOS, nanos * 2);
    }
  }

  /** The last bytes written to it; for quoting standard error in failures. */
  private static final class Tail extends OutputStream {
    private final byte[] ring = new byte[STDERR_TAIL_BYTES];
    private long written;

    @Override
    public void write(int b) {
      ring[(int) (written++ % ring.length)] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      for (int i = 0; i < len; i++) {
        write(b[off + i]);
      }
    }

    long size() {
      return written;
    }

    /** {@code ""}, or {@code ": <the last line(s) of standard error>"}. */
    String describe() {
      if (written == 0) {
        return "";
      }
      int n = (int) Math.min(written, ring.length);
      byte[] last = new byte[n];
      for (int i = 0; i < n; i++) {
        last[i] = ring[(int) ((written - n + i) % ring.length)];
      }
      String s = new String(last, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
      return s.isEmpty() ? "" : ": " + (written > n ? "..." : "") + s;
    }
  }

  private static Thread startWriter(
      String what, OutputStream stream, byte[] bytes, boolean closeAfter) {
    return Thread.ofVirtual()
        .name("apertium-writer-" + what)
        .start(
            () -> {
              try {
                stream.write(bytes);
                stream.flush();
              } catch (IOException e) {
                // The process died or was destroyed; the reading side reports it.
              } finally {
                if (closeAfter) {
                  closeQuietly(stream);
                }
              }
            });
  }

  /** Copies what can be read without blocking; true if anything was. */
  private static boolean drainAvailable(InputStream in, OutputStream to) throws IOException {
    boolean any = false;
    byte[] buffer = null;
    int n;
    while ((n = in.available()) > 0) {
      if (buffer == null) {
        buffer = new byte[Math.min(Math.max(n, 512), 8192)];
      }
      int r = in.read(buffer, 0, Math.min(n, buffer.length));
      if (r <= 0) {
        break;
      }
      to.write(buffer, 0, r);
      any = true;
    }
    return any;
  }

  private static int indexOfNul(byte[] buffer, int length) {
    for (int i = 0; i < length; i++) {
      if (buffer[i] == 0) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] withoutNul(byte[] bytes) {
    if (indexOfNul(bytes, bytes.length) < 0) {
      return bytes;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
    for (byte b : bytes) {
      if (b != 0) {
        out.write(b);
      }
    }
    return out.toByteArray();
  }

  private static String decodeStrictly(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }

  /** Kills a process and its descendants (SIGKILL); returns the handles to wait for. */
  private static List<ProcessHandle> kill(Process p) {
    List<ProcessHandle> dying = new ArrayList<>();
    try (Stream<ProcessHandle> children = p.descendants()) {
      children.forEach(
          h -> {
            h.destroyForcibly();
            dying.add(h);
          });
    }
    p.destroyForcibly();
    dying.add(p.toHandle());
    return dying;
  }

  /**
   * Waits up to 5 s in all for the processes to exit; an interrupt meanwhile is remembered and
   * restored at the end rather than cutting the wait short.
   */
  private static void awaitExit(List<ProcessHandle> handles) {
    boolean interrupted = false;
    long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
    for (ProcessHandle h : handles) {
      while (h.isAlive()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          h.onExit().get(left, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException | TimeoutException e) {
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void joinQuietly(Thread t) {
    boolean interrupted = false;
    long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
    while (t.isAlive()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        t.join(Duration.ofNanos(left));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // Nothing to do: the process is gone or going.
    }
  }

  private static TranslationException engineError(String message, Throwable cause) {
    return TranslationException.transientFailure("engine_error", 0, null, message, cause);
  }

  private static String programName(String program) {
    int slash = program.lastIndexOf('/');
    return slash >= 0 ? program.substring(slash + 1) : program;
  }

  /** The executable a program name runs: itself when it has a slash, else the first on PATH. */
  static Optional<Path> findProgram(String program) {
    try {
      if (program.indexOf('/') >= 0) {
        Path p = Path.of(program);
        return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
      }
      String path = System.getenv("PATH");
      if (path == null) {
        return Optional.empty();
      }
      for (String dir : path.split(File.pathSeparator)) {
        if (dir.isEmpty()) {
          continue;
        }
        Path p = Path.of(dir, program);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    } catch (RuntimeException e) {
      // An unusable PATH entry or program name: not found.
    }
    return Optional.empty();
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2;
    }
  }
}
