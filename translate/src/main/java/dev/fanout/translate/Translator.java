package dev.fanout.translate;

/**
 * One translation backend. {@link #translate} handles one segment of at most about 4,000 characters
 * (the pipeline splits longer documents; see {@link Segmenter}); implementations are safe to call
 * from many threads at once.
 *
 * <p>Tokens: the text holds only words and numbered tokens {@code ⟦n⟧} standing for inline code,
 * links, markup and placeholders (the format layer's; see ADR 0012). A backend must carry each
 * token through as it is; how is its own business: the pseudo backend leaves them alone, the local
 * Apertium engine hides them from the engine as superblanks, the HTTP backends send them in their
 * servers' text mode. An answer that lost or moved one is not an error here: the caller checks it,
 * and sends that unit again in pieces between its tokens.
 *
 * <p>Failure: a {@link TranslationException} says whether the failure is worth retrying ({@link
 * TranslationException#isTransient()}) and, when the server said so, after how long. Cancellation:
 * the calling thread's interrupt aborts the call (an HTTP request is cancelled and its connection
 * closed; a local engine process is replaced) and {@link InterruptedException} is thrown.
 */
public interface Translator extends AutoCloseable {
  /** The backend's name as the command line spells it: {@code pseudo}, {@code apertium}... */
  String name();

  /**
   * What changes when the backend would translate the same text differently: an engine's data
   * version, an algorithm's revision. The translation memory keys units on the backend's name and
   * this, and a document's settings include it, so a new version is never served the old one's
   * translations. Empty when the backend cannot tell (a remote server): then only its name counts.
   * Called once per run; may read files.
   *
   * @param from the source language of the run
   * @param to the target language of the run
   */
  default String version(String from, String to) {
    return "";
  }

  /**
   * Translates one segment.
   *
   * @throws TranslationException when the backend refused or failed; the exception says whether to
   *     retry
   * @throws InterruptedException when the calling thread was interrupted; nothing is left running
   */
  String translate(TranslationRequest request) throws TranslationException, InterruptedException;

  /**
   * Asks the backend whether it is there before a run: an HTTP backend requests its server's list
   * of languages (which also opens a connection and loads the HTTP client's classes, so the first
   * documents' requests are not delayed and bunched together); a local engine checks nothing. Never
   * throws for an unreachable or failing server: it says what is wrong.
   *
   * @return what is wrong, in words (never with an API key), or empty when the backend answered
   * @throws InterruptedException when the calling thread was interrupted
   */
  default java.util.Optional<String> check() throws InterruptedException {
    return java.util.Optional.empty();
  }

  /** Releases processes, connections and threads. Idempotent. */
  @Override
  default void close() {}
}
