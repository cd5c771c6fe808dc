package dev.fanout;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * When and how long to wait before an item's next attempt: a maximum number of attempts,
 * exponential backoff with jitter, which failures are worth retrying, and honouring a delay the
 * server asked for (an HTTP 429 {@code Retry-After}) up to a cap.
 *
 * <p>The delay before attempt {@code n + 1}, after {@code n} failed attempts, is {@code min(max,
 * initial * multiplier^(n-1))}, reduced by a random fraction of up to {@code jitter} of itself (so
 * that clients rate-limited together do not retry together), and raised to the server's delay when
 * the failure carries one (see {@link #serverDelay(Function)}). When the server asks for more than
 * {@link #maxServerDelay(Duration)}, the item is not retried: waiting an hour for one document is
 * rarely what a batch wants, and the failure says so.
 *
 * <p>Instances are immutable and thread-safe; every {@code with}-style method returns a copy.
 * {@link #none()} (one attempt, the default of {@link Batch}) and {@link #attempts(int)} start a
 * policy.
 *
 * {@snippet :
 * RetryPolicy policy = RetryPolicy.attempts(5)
 *     .backoff(Duration.ofMillis(200), Duration.ofSeconds(10))
 *     .retryIf(e -> !(e instanceof IllegalArgumentException))
 *     .maxServerDelay(Duration.ofMinutes(1));
 * }
 */
public final class RetryPolicy {
  private static final Function<Exception, Optional<Duration>> RETRY_LATER_IN_CAUSES =
      RetryPolicy::findRetryLater;

  private static final RetryPolicy NONE =
      new RetryPolicy(
          1,
          Duration.ofMillis(100),
          Duration.ofSeconds(10),
          2.0,
          0.5,
          e -> true,
          RETRY_LATER_IN_CAUSES,
          Duration.ofMinutes(1));

  private final int maxAttempts;
  private final Duration initial;
  private final Duration max;
  private final double multiplier;
  private final double jitter;
  private final Predicate<? super Exception> retryable;
  private final Function<? super Exception, Optional<Duration>> serverDelay;
  private final Duration maxServerDelay;

  private RetryPolicy(
      int maxAttempts,
      Duration initial,
      Duration max,
      double multiplier,
      double jitter,
      Predicate<? super Exception> retryable,
      Function<? super Exception, Optional<Duration>> serverDelay,
      Duration maxServerDelay) {
    this.maxAttempts = maxAttempts;
    this.initial = initial;
    this.max = max;
    this.multiplier = multiplier;
    this.jitter = jitter;
    this.retryable = retryable;
    this.serverDelay = serverDelay;
    this.maxServerDelay = maxServerDelay;
  }

  /** {@return one attempt, no retries} */
  public static RetryPolicy none() {
    return NONE;
  }

  /**
   * Up to {@code maxAttempts} attempts in all (the first call included), with a backoff starting at
   * 100 ms, doubling up to 10 s, jitter 0.5, every {@link Exception} retryable, and server delays
   * honoured up to one minute.
   *
   * @param maxAttempts at least 1
   * @return the policy
   * @throws IllegalArgumentException if {@code maxAttempts < 1}
   */
  public static RetryPolicy attempts(int maxAttempts) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    return NONE.copy(maxAttempts, NONE.initial, NONE.max, NONE.multiplier, NONE.jitter);
  }

  /**
   * Sets the first delay and the largest one.
   *
   * @param initial delay before the second attempt; not negative
   * @param max cap on any backoff delay; not less than {@code initial}
   * @return a copy with this backoff
   */
  public RetryPolicy backoff(Duration initial, Duration max) {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 <= initial <= max, was initial=" + initial + " max=" + max);
    }
    return copy(maxAttempts, initial, max, multiplier, jitter);
  }

  /**
   * Sets the growth factor between successive delays (default 2).
   *
   * @param multiplier at least 1
   * @return a copy
   */
  public RetryPolicy multiplier(double multiplier) {
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier must be finite and >= 1, was " + multiplier);
    }
    return copy(maxAttempts, initial, max, multiplier, jitter);
  }

  /**
   * Sets the jitter: each delay is reduced by a uniformly random fraction in {@code [0, jitter)} of
   * itself. 0 means none; 1 means "full jitter" (anywhere between 0 and the delay). Default 0.5.
   *
   * @param jitter in {@code [0, 1]}
   * @return a copy
   */
  public RetryPolicy jitter(double jitter) {
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("jitter must be in [0, 1], was " + jitter);
    }
    return copy(maxAttempts, initial, max, multiplier, jitter);
  }

  /**
   * Sets which failures are worth another attempt (default: every {@link Exception}). A failure the
   * predicate rejects ends the item's attempts at once: use this to keep permanent errors (a 400, a
   * 403, an unsupported language pair) from being retried.
   *
   * @param retryable returns true for failures that may succeed on a later attempt
   * @return a copy
   */
  public RetryPolicy retryIf(Predicate<? super Exception> retryable) {
    Objects.requireNonNull(retryable, "retryable");
    return new RetryPolicy(
        maxAttempts, initial, max, multiplier, jitter, retryable, serverDelay, maxServerDelay);
  }

  /**
   * Sets how to read a server-given delay out of a failure. The default finds a {@link
   * RetryLaterException} in the failure or its causes; replace it to read your HTTP client's own
   * exception type.
   *
   * @param serverDelay returns the delay the server asked for, or empty
   * @return a copy
   */
  public RetryPolicy serverDelay(Function<? super Exception, Optional<Duration>> serverDelay) {
    Objects.requireNonNull(serverDelay, "serverDelay");
    return new RetryPolicy(
        maxAttempts, initial, max, multiplier, jitter, retryable, serverDelay, maxServerDelay);
  }

  /**
   * Sets the longest server-given delay that is honoured (default one minute). A failure asking for
   * more is not retried; the item fails at once with that failure, and a suppressed exception on it
   * says that the requested delay was over the cap.
   *
   * @param cap not negative
   * @return a copy
   */
  public RetryPolicy maxServerDelay(Duration cap) {
    Objects.requireNonNull(cap, "cap");
    if (cap.isNegative()) {
      throw new IllegalArgumentException("maxServerDelay must not be negative, was " + cap);
    }
    return new RetryPolicy(
        maxAttempts, initial, max, multiplier, jitter, retryable, serverDelay, cap);
  }

  /** {@return the most attempts an item gets, the first included} */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * The delay before the next attempt, or empty when the item should not be retried: the attempts
   * are used up, the failure is not retryable, or the server asked for longer than the cap.
   *
   * @param attemptsMade attempts made so far, at least 1
   * @param failure what the last attempt threw
   * @return the delay, or empty to stop
   */
  public Optional<Duration> nextDelay(int attemptsMade, Exception failure) {
    Decision d = decide(attemptsMade, failure, ThreadLocalRandom.current());
    return d.retry() ? Optional.of(d.delay()) : Optional.empty();
  }

  /**
   * Attached (as a suppressed exception) to an item's failure when the server asked to wait longer
   * than {@link #maxServerDelay(Duration)} allows, so the item was not retried. Callers that report
   * failures by kind can look for it instead of reading messages.
   */
  public static final class ServerDelayTooLongException extends Exception {
    private final Duration requested;
    private final Duration cap;

    ServerDelayTooLongException(Duration requested, Duration cap) {
      super(
          "not retried: the server asked to wait "
              + requested
              + ", more than maxServerDelay "
              + cap,
          null,
          false,
          false);
      this.requested = requested;
      this.cap = cap;
    }

    /** {@return the delay the server asked for} */
    public Duration requested() {
      return requested;
    }

    /** {@return the cap it exceeded} */
    public Duration cap() {
      return cap;
    }
  }

  /**
   * Decides about a retry. {@code refusal} explains a refusal that the caller should attach to the
   * failure (the server's delay over the cap); it is null otherwise.
   */
  record Decision(boolean retry, Duration delay, ServerDelayTooLongException refusal) {
    static final Decision STOP = new Decision(false, Duration.ZERO, null);
  }

  Decision decide(int attemptsMade, Exception failure, RandomGenerator random) {
    if (attemptsMade < 1) {
      throw new IllegalArgumentException("attemptsMade must be at least 1, was " + attemptsMade);
    }
    Objects.requireNonNull(failure, "failure");
    if (attemptsMade >= maxAttempts || !retryable.test(failure)) {
      return Decision.STOP;
    }
    Duration asked = serverDelay.apply(failure).orElse(null);
    if (asked != null && asked.compareTo(maxServerDelay) > 0) {
      return new Decision(
          false, Duration.ZERO, new ServerDelayTooLongException(asked, maxServerDelay));
    }
    Duration delay = backoffDelay(attemptsMade, random);
    if (asked != null && asked.compareTo(delay) > 0) {
      delay = asked;
    }
    return new Decision(true, delay, null);
  }

  /** Backoff with jitter after {@code attemptsMade} failed attempts (no server delay). */
  Duration backoffDelay(int attemptsMade, RandomGenerator random) {
    double nanos = initial.toNanos() * Math.pow(multiplier, attemptsMade - 1);
    double capped = Math.min(nanos, (double) max.toNanos());
    double jittered = capped * (1.0 - jitter * random.nextDouble());
    return Duration.ofNanos(Math.round(jittered));
  }

  private RetryPolicy copy(
      int maxAttempts, Duration initial, Duration max, double multiplier, double jitter) {
    return new RetryPolicy(
        maxAttempts, initial, max, multiplier, jitter, retryable, serverDelay, maxServerDelay);
  }

  private static Optional<Duration> findRetryLater(Exception failure) {
    Throwable t = failure;
    for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) {
      if (t instanceof RetryLaterException r) {
        return Optional.of(r.retryAfter());
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return maxAttempts == 1
        ? "RetryPolicy[none]"
        : "RetryPolicy[attempts="
            + maxAttempts
            + ", backoff="
            + initial
            + ".."
            + max
            + " x"
            + multiplier
            + ", jitter="
            + jitter
            + ", maxServerDelay="
            + maxServerDelay
            + "]";
  }
}
