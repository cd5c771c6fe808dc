package dev.fanout.cli;

import dev.fanout.fakes.UpstreamServer;
import dev.fanout.translate.TranslationException;
import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.Translator;
import java.util.Objects;

/**
 * A {@code fanout translate} backend as the engine of {@code fanout upstream}'s server, which knows
 * nothing of the translate module (ADR 0010). A {@link TranslationException} becomes the status a
 * LibreTranslate server would answer: 400 for a bad request or an unsupported pair, 403 for
 * forbidden, 429 (with the backend's {@code Retry-After}, 1 s when it gave none) for rate limited,
 * 503 for any other transient failure, 500 for the rest.
 */
final class TranslatorEngine implements UpstreamServer.Engine {
  private final Translator translator;

  /** Translates with {@code translator}, which the caller keeps and closes. */
  TranslatorEngine(Translator translator) {
    this.translator = Objects.requireNonNull(translator, "translator");
  }

  @Override
  public String translate(String text, String source, String target, UpstreamServer.Format format)
      throws UpstreamServer.Refusal, InterruptedException {
    TranslationRequest.Format f =
        switch (format) {
          case TEXT -> TranslationRequest.Format.TEXT;
          case HTML -> TranslationRequest.Format.HTML;
        };
    try {
      return translator.translate(new TranslationRequest(text, source, target, f, null));
    } catch (TranslationException e) {
      throw refusal(e);
    }
  }

  /** The answer a LibreTranslate server gives for this failure. */
  static UpstreamServer.Refusal refusal(TranslationException e) {
    String message = e.getMessage() == null ? e.reason() : e.getMessage();
    return switch (e.reason()) {
      case "bad_request", "unsupported_pair" -> new UpstreamServer.Refusal(400, message);
      case "forbidden" -> new UpstreamServer.Refusal(403, message);
      case "rate_limited" -> new UpstreamServer.Refusal(429, message, e.retryAfter().orElse(null));
      default -> new UpstreamServer.Refusal(e.isTransient() ? 503 : 500, message);
    };
  }
}
