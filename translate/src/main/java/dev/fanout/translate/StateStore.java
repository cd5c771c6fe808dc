package dev.fanout.translate;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where every document's outcome is recorded as it finishes, so that a re-run (after a failure, a
 * {@code kill -9} or a change to the inputs) sends only what is not already done. The default
 * implementation is {@link SqliteStateStore}; the interface stays small so that other databases can
 * follow.
 *
 * <p>Threads: {@link #lookup} is called by the one thread that reads the inputs; {@link #write} by
 * the one thread that writes outcomes; the others before or after the run. Implementations need not
 * support more concurrency than that.
 */
public interface StateStore extends AutoCloseable {
  /** Status of a recorded document. */
  enum Status {
    /** Translated; its output was written. */
    DONE,
    /** Not translated; {@link Row#reason()} says why. */
    FAILED
  }

  /**
   * What the store knows about one document.
   *
   * @param key the document's key ({@link InputItem#key()})
   * @param origin where it came from
   * @param output its output path or JSON Lines file name
   * @param id its id
   * @param line its line in a JSON Lines file, 0 for files
   * @param tenant its tenant
   * @param inputHash SHA-256 of its text, hex; empty for input problems
   * @param settings languages and backend it was translated with, e.g. {@code en>es|pseudo}
   * @param status done or failed
   * @param attempts attempts made in the run that recorded it
   * @param reason for a failure, its short code; null when done
   * @param error for a failure, the message; null when done
   * @param calls upstream calls made for it in that run
   * @param chars characters sent upstream for it in that run
   * @param translation the translated text of a JSON Lines record (files keep theirs on disk), null
   *     otherwise
   * @param run the id of the last run that saw it
   */
  record Row(
      String key,
      String origin,
      String output,
      String id,
      long line,
      String tenant,
      String inputHash,
      String settings,
      Status status,
      int attempts,
      String reason,
      String error,
      long calls,
      long chars,
      String translation,
      long run) {}

  /** A change to apply: a new outcome, or "seen again in this run, unchanged". */
  sealed interface Change permits Put, Touch {}

  /**
   * Record an outcome (replacing what was there).
   *
   * @param row the outcome
   */
  record Put(Row row) implements Change {}

  /**
   * Mark a document as part of run {@code run} without changing its outcome (it was skipped as
   * already done).
   *
   * @param key the document
   * @param line its line now (lines move when a file is edited)
   * @param run the current run
   */
  record Touch(String key, long line, long run) implements Change {}

  /**
   * Starts a run and returns its id (increasing).
   *
   * @param description the command's settings, for people reading the store (no API keys)
   */
  long beginRun(String description);

  /** Records that run {@code run} ended, with its counts. */
  void finishRun(long run, Map<String, Long> counts);

  /**
   * What a re-run needs to know about a recorded document.
   *
   * @param status its last outcome
   * @param inputHash SHA-256 of the text it had then
   * @param settings the languages and backend it was translated with
   */
  record Prior(Status status, String inputHash, String settings) {}

  /**
   * What the store knows about {@code key}: called once per input document, so kept to the three
   * columns a re-run decides on.
   *
   * @return the prior outcome, or empty for a document never seen
   */
  Optional<Prior> lookup(String key);

  /** True when no document was ever recorded (a first run needs no lookups). */
  boolean isEmpty();

  /** Applies {@code changes} together, atomically: all of them or none. */
  void write(List<Change> changes);

  /**
   * Streams the translated records of one JSON Lines output seen in run {@code run}, in line order.
   */
  void translations(String output, long run, Consumer<Row> each);

  /** Streams every failure recorded in run {@code run}, ordered by output and line. */
  void failures(long run, Consumer<Row> each);

  /** Names of the JSON Lines outputs that have rows in run {@code run}. */
  List<String> jsonlOutputs(long run);

  @Override
  void close();
}
