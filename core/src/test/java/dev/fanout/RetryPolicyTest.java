package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The backoff arithmetic, on a fixed "random" source. */
class RetryPolicyTest {

  /** A RandomGenerator that always returns the same double. */
  static RandomGenerator fixed(double value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public double nextDouble() {
        return value;
      }
    };
  }

  @Test
  void exponentialBackoffWithoutJitterDoublesUpToTheCap() {
    RetryPolicy p =
        RetryPolicy.attempts(10).backoff(Duration.ofMillis(100), Duration.ofSeconds(1)).jitter(0);
    RandomGenerator r = fixed(0.9);
    assertEquals(Duration.ofMillis(100), p.backoffDelay(1, r));
    assertEquals(Duration.ofMillis(200), p.backoffDelay(2, r));
    assertEquals(Duration.ofMillis(400), p.backoffDelay(3, r));
    assertEquals(Duration.ofMillis(800), p.backoffDelay(4, r));
    assertEquals(Duration.ofSeconds(1), p.backoffDelay(5, r));
    assertEquals(Duration.ofSeconds(1), p.backoffDelay(60, r), "no overflow far out");
  }

  @Test
  void jitterTakesUpToItsFractionOff() {
    RetryPolicy p =
        RetryPolicy.attempts(3)
            .backoff(Duration.ofMillis(1000), Duration.ofSeconds(10))
            .jitter(0.5);
    assertEquals(Duration.ofMillis(1000), p.backoffDelay(1, fixed(0.0)));
    assertEquals(Duration.ofMillis(750), p.backoffDelay(1, fixed(0.5)));
    assertEquals(Duration.ofMillis(1500), p.backoffDelay(2, fixed(0.5)));
    RetryPolicy full = p.jitter(1.0);
    assertEquals(Duration.ofMillis(100), full.backoffDelay(1, fixed(0.9)));
  }

  @Test
  void serverDelayRaisesButNeverLowersTheBackoff() {
    RetryPolicy p =
        RetryPolicy.attempts(3)
            .backoff(Duration.ofSeconds(2), Duration.ofSeconds(2))
            .jitter(0)
            .serverDelay(Http429::in);
    RetryPolicy.Decision low = p.decide(1, new Http429("429", Duration.ofMillis(10)), fixed(0));
    assertEquals(Duration.ofSeconds(2), low.delay());
    RetryPolicy.Decision high = p.decide(1, new Http429("429", Duration.ofSeconds(5)), fixed(0));
    assertEquals(Duration.ofSeconds(5), high.delay());
  }

  @Test
  void noneNeverRetries() {
    assertEquals(1, RetryPolicy.none().maxAttempts());
    assertFalse(RetryPolicy.none().decide(1, new Exception(), fixed(0)).retry());
  }

  @Test
  void badSettingsFailAtTheCall() {
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.attempts(0));
    assertThrows(
        IllegalArgumentException.class,
        () -> RetryPolicy.attempts(2).backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.attempts(2).jitter(1.5));
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.attempts(2).multiplier(0.5));
    assertThrows(
        IllegalArgumentException.class,
        () -> RetryPolicy.attempts(2).maxServerDelay(Duration.ofSeconds(-1)));
    assertThrows(NullPointerException.class, () -> RetryPolicy.attempts(2).serverDelay(null));
    assertThrows(NullPointerException.class, () -> RetryPolicy.attempts(2).retryIf(null));
    assertThrows(
        IllegalArgumentException.class, () -> RetryPolicy.none().nextDelay(0, new Exception()));
    assertTrue(RetryPolicy.attempts(2).toString().contains("attempts=2"));
  }
}
