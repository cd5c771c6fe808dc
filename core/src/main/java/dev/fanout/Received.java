package dev.fanout;

import java.util.Optional;

/**
 * What a receive that does not throw on close got: a {@link Value} or the news that the channel is
 * {@link Closed} (and drained). Switch on it:
 *
 * {@snippet :
 * switch (jobs.receiveOrClosed()) {
 *   case Received.Value<Job>(Job job) -> handle(job);
 *   case Received.Closed<Job> closed -> { return; }
 * }
 * }
 *
 * @param <T> the element type
 */
public sealed interface Received<T> permits Received.Value, Received.Closed {

  /**
   * A value taken from the channel.
   *
   * @param value the value, never {@code null}
   * @param <T> the element type
   */
  record Value<T>(T value) implements Received<T> {}

  /**
   * The channel is closed and has nothing left.
   *
   * @param error the error it was closed with, or {@code null} after a plain {@link
   *     Channel#close()}
   * @param <T> the element type
   */
  record Closed<T>(Throwable error) implements Received<T> {
    /** {@return the error the channel was closed with, if any} */
    public Optional<Throwable> cause() {
      return Optional.ofNullable(error);
    }
  }
}
