package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fanout.fakes.UpstreamServer;
import dev.fanout.translate.TranslationException;
import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.Translator;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A translate backend behind {@code fanout upstream}: requests passed on, failures as statuses. */
class TranslatorEngineTest {

  /** A backend that records its request and answers, or throws, what {@code answer} says. */
  private static Translator backend(
      AtomicReference<TranslationRequest> seen, TranslationException e) {
    return new Translator() {
      @Override
      public String name() {
        return "test";
      }

      @Override
      public String translate(TranslationRequest r) throws TranslationException {
        seen.set(r);
        if (e != null) {
          throw e;
        }
        return "[" + r.to() + "] " + r.text();
      }
    };
  }

  private static UpstreamServer.Refusal refusal(TranslationException e) {
    return assertThrows(
        UpstreamServer.Refusal.class,
        () ->
            new TranslatorEngine(backend(new AtomicReference<>(), e))
                .translate("x", "en", "es", UpstreamServer.Format.TEXT));
  }

  @Test
  void passesTheTextCodesAndFormatAndNeverAKey() throws Exception {
    AtomicReference<TranslationRequest> seen = new AtomicReference<>();
    TranslatorEngine engine = new TranslatorEngine(backend(seen, null));
    assertEquals(
        "[fr] <p>x</p>", engine.translate("<p>x</p>", "en", "fr", UpstreamServer.Format.HTML));
    assertEquals(
        new TranslationRequest("<p>x</p>", "en", "fr", TranslationRequest.Format.HTML, null),
        seen.get());
    engine.translate("y", "auto", "es", UpstreamServer.Format.TEXT);
    assertEquals(TranslationRequest.Format.TEXT, seen.get().format());
    assertEquals("auto", seen.get().from());
  }

  @Test
  void failuresBecomeTheStatusesALibreTranslateServerAnswers() {
    UpstreamServer.Refusal busy =
        refusal(TranslationException.transientFailure("engine_error", 0, null, "busy", null));
    assertEquals(503, busy.status());
    assertEquals("busy", busy.getMessage());
    assertEquals(Optional.empty(), busy.retryAfter());

    UpstreamServer.Refusal pair =
        refusal(TranslationException.permanent("unsupported_pair", 0, "no en->es", null));
    assertEquals(400, pair.status());
    assertEquals("no en->es", pair.getMessage());
    assertEquals(
        400, refusal(TranslationException.permanent("bad_request", 0, "x", null)).status());
    assertEquals(403, refusal(TranslationException.permanent("forbidden", 0, "x", null)).status());
    assertEquals(
        500, refusal(TranslationException.permanent("engine_error", 0, "x", null)).status());

    UpstreamServer.Refusal limited =
        refusal(
            TranslationException.transientFailure(
                "rate_limited", 429, Duration.ofSeconds(7), "slow down", null));
    assertEquals(429, limited.status());
    assertEquals(Optional.of(Duration.ofSeconds(7)), limited.retryAfter());
    assertEquals(
        429,
        refusal(TranslationException.transientFailure("rate_limited", 429, null, "x", null))
            .status());

    UpstreamServer.Refusal noMessage =
        refusal(TranslationException.permanent("forbidden", 0, null, null));
    assertEquals("forbidden", noMessage.getMessage(), "the reason stands in for a missing message");
  }
}
