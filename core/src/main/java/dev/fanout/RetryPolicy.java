package dev.fanout;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
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
 * {@snippet class=dev.fanout.Snippets region=retry-policy}
 */
public final class RetryPolicy {
  private static final RetryPolicy NONE = new RetryPolicy(new Knobs());

  /**
   * The policy's values, cloned and changed by {@link #with(Consumer)} and never written after: the
   * final field below publishes them safely however the policy itself is shared (JLS 17.5). One
   * configuration style for every setting in the library: docs/adr/0009.
   */
  private static final class Knobs implements Cloneable {
    int maxAttempts = 1;
    Duration initial = Duration.ofMillis(100);
    Duration max = Duration.ofSeconds(10);
    double multiplier = 2.0;
    double jitter = 0.5;
    Predicate<? super Exception> retryable = e -> true;
    Function<? super Exception, Optional<Duration>> serverDelay = e -> Optional.empty();
    Duration maxServerDelay = Duration.ofMinutes(1);

    Knobs copy() {
      try {
        return (Knobs) super.clone();
      } catch (CloneNotSupportedException e) {
        throw new AssertionError("Knobs is Cloneable", e);
      }
    }
  }

  private final Knobs k;

  private RetryPolicy(Knobs k) {
    this.k = k;
  }

  /** {@return a copy of this policy with {@code change} applied to its values} */
  private RetryPolicy with(Consumer<Knobs> change) {
    Knobs copy = k.copy();
    change.accept(copy);
    return new RetryPolicy(copy);
  }

  /** {@return one attempt, no retries} */
  public static RetryPolicy none() {
    return NONE;
  }

  /**
   * Up to {@code maxAttempts} attempts in all (the first call included), with a backoff starting at
   * 100 ms, doubling up to 10 s, jitter 0.5, every {@link Exception} retryable, and no server delay
   * read until {@link #serverDelay(Function)} says how.
   *
   * @param maxAttempts at least 1
   * @return the policy
   * @throws IllegalArgumentException if {@code maxAttempts < 1}
   */
  public static RetryPolicy attempts(int maxAttempts) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    return NONE.with(p -> p.maxAttempts = maxAttempts);
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
    return with(
        p -> {
          p.initial = initial;
          p.max = max;
        });
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
    return with(p -> p.multiplier = multiplier);
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
    return with(p -> p.jitter = jitter);
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
    return with(p -> p.retryable = retryable);
  }

  /**
   * Sets how to read a server-given delay (an HTTP {@code Retry-After}) out of a failure, from your
   * own exception type: {@code e -> e instanceof HttpStatusException h ? h.retryAfter() :
   * Optional.empty()}. By default no failure carries one.
   *
   * @param serverDelay returns the delay the server asked for, or empty
   * @return a copy
   */
  public RetryPolicy serverDelay(Function<? super Exception, Optional<Duration>> serverDelay) {
    Objects.requireNonNull(serverDelay, "serverDelay");
    return with(p -> p.serverDelay = serverDelay);
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
    return with(p -> p.maxServerDelay = cap);
  }

  /** {@return the most attempts an item gets, the first included} */
  public int maxAttempts() {
    return k.maxAttempts;
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
   * than {@link #maxServerDelay(Duration)} allows, so the item was not retried. Not public: a
   * caller that reports failures by kind knows its own cap and the delay its exception carries.
   */
  static final class ServerDelayTooLongException extends Exception {
    private static final long serialVersionUID = 1L;
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

    Duration requested() {
      return requested;
    }

    Duration cap() {
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
    if (attemptsMade >= k.maxAttempts || !k.retryable.test(failure)) {
      return Decision.STOP;
    }
    Duration asked = k.serverDelay.apply(failure).orElse(null);
    if (asked != null && asked.compareTo(k.maxServerDelay) > 0) {
      return new Decision(
          false, Duration.ZERO, new ServerDelayTooLongException(asked, k.maxServerDelay));
    }
    Duration delay = backoffDelay(attemptsMade, random);
    if (asked != null && asked.compareTo(delay) > 0) {
      delay = asked;
    }
    return new Decision(true, delay, null);
  }

  /** Backoff with jitter after {@code attemptsMade} failed attempts (no server delay). */
  Duration backoffDelay(int attemptsMade, RandomGenerator random) {
    double nanos = k.initial.toNanos() * Math.pow(k.multiplier, attemptsMade - 1);
    double capped = Math.min(nanos, (double) k.max.toNanos());
    double jittered = capped * (1.0 - k.jitter * random.nextDouble());
    return Duration.ofNanos(Math.round(jittered));
  }

  @Override
  public String toString() {
    return k.maxAttempts == 1
        ? "RetryPolicy[none]"
        : "RetryPolicy[attempts="
            + k.maxAttempts
            + ", backoff="
            + k.initial
            + ".."
            + k.max
            + " x"
            + k.multiplier
            + ", jitter="
            + k.jitter
            + ", maxServerDelay="
            + k.maxServerDelay
            + "]";
  }
}
