package dev.fanout.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.translate.store.StateStore;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The one mapping from a document's last exception to the reason its report row gives. */
class FailuresTest {
  private static final Duration CAP = Duration.ofSeconds(60);

  @Test
  void aTranslationFailureKeepsItsOwnReasonAndSaysHowManyAttempts() {
    TranslationException e =
        TranslationException.transientFailure("rate_limited", 429, null, "HTTP 429", null);
    StateStore.Failure f = Failures.of(e, 5, CAP);
    assertEquals("rate_limited", f.reason());
    assertEquals("HTTP 429 (after 5 attempts)", f.message());
    assertEquals("HTTP 429", Failures.of(e, 1, CAP).message(), "one attempt: nothing to add");
  }

  @Test
  void aRetryAfterOverTheCapSaysSoAndCarriesTheRefusal() {
    TranslationException e =
        TranslationException.transientFailure(
            "rate_limited", 429, Duration.ofHours(1), "HTTP 429", null);
    e.addSuppressed(new Exception("not retried: the server asked to wait PT1H"));
    StateStore.Failure f = Failures.of(e, 1, CAP);
    assertEquals("retry_after_too_long", f.reason());
    assertTrue(f.message().contains("PT1H"), f.message());
    assertEquals(
        "rate_limited",
        Failures.of(
                TranslationException.transientFailure(
                    "rate_limited", 429, Duration.ofSeconds(30), "HTTP 429", null),
                1,
                CAP)
            .reason(),
        "a delay under the cap was honoured: the reason stays");
  }

  @Test
  void stoppedTimedOutOutputAndUnknownFailuresHaveTheirOwnReasons() {
    assertEquals("cancelled", Failures.of(new CancellationException("x"), 1, CAP).reason());
    assertEquals("cancelled", Failures.of(new InterruptedException(), 1, CAP).reason());
    StateStore.Failure timeout = Failures.of(new TimeoutException("timed out: 30 s"), 2, CAP);
    assertEquals("timeout", timeout.reason());
    assertEquals("timed out: 30 s (after 2 attempts)", timeout.message());
    StateStore.Failure output = Failures.of(new IOException("disk full"), 1, CAP);
    assertEquals("output_error", output.reason());
    assertTrue(output.message().contains("disk full"), output.message());
    assertEquals("internal_error", Failures.of(new IllegalStateException("bug"), 1, CAP).reason());
  }
}
