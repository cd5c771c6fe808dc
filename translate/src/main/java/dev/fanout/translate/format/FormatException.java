package dev.fanout.translate.format;

/**
 * A backend's answer cannot be put back into the document: an inline token (a piece of code, a
 * link's target, a placeholder, a protected term) came back missing, twice, or out of order. It
 * costs that document alone: the job records it as the document's failure, with this message, which
 * names the unit and the token, and never holds more than a short excerpt of the text.
 */
public final class FormatException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String reason;

  FormatException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  /**
   * {@return a short stable code: {@code token_lost}, {@code token_repeated}, {@code token_order}}
   */
  public String reason() {
    return reason;
  }
}
