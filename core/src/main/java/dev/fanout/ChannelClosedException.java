package dev.fanout;

/**
 * A {@link Channel} operation found the channel closed: a send after {@link Channel#close()}, or a
 * receive once the channel is closed and drained. When the channel was closed with {@link
 * Channel#closeWithError(Throwable)}, that error is the cause.
 */
public final class ChannelClosedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ChannelClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
