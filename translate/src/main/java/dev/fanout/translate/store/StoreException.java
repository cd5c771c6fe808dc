package dev.fanout.translate.store;

/**
 * A failure of the state store itself: it cannot be opened (another run holds it, the file is not a
 * fanout state store), or a read or write failed (a full disk, a corrupt file, a lost connection).
 * Fatal for a run: outcomes it cannot record would be paid for again next time. The message says
 * which store and what happened; it never holds a password.
 */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which store, and what failed
   * @param cause the underlying failure, or null
   */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
