package dev.fanout.translate.backend;

import dev.fanout.translate.Translator;
import java.net.URI;
import java.util.Locale;

/** Picks the translation backend a run uses, and says why, in the words the CLI prints. */
public final class Backends {
  private Backends() {}

  /**
   * A backend and the reason it was picked.
   *
   * @param translator the backend, the caller's to close
   * @param reason one line for people, e.g. {@code Apertium engine, local (en->es installed)}
   */
  public record Choice(Translator translator, String reason) {}

  /**
   * Picks a backend.
   *
   * <ul>
   *   <li>{@code pseudo}: the pseudo-localiser;
   *   <li>{@code libretranslate}: the LibreTranslate API at {@code url} (required);
   *   <li>{@code apertium}: an Apertium APy server at {@code url}, or the Apertium engine installed
   *       here, run as long-lived pipelines, when there is no {@code url};
   *   <li>{@code auto}: LibreTranslate when a {@code url} is given, else Apertium when it is
   *       installed with the pair, else the pseudo-localiser.
   * </ul>
   *
   * @param name {@code auto}, {@code apertium}, {@code libretranslate} or {@code pseudo}, any case
   * @param url a server's base URL, or null
   * @param from source language, ISO 639-1
   * @param to target language, ISO 639-1
   * @return the backend with its reason
   * @throws IllegalArgumentException for an unknown name, a missing {@code url}, or an Apertium
   *     that is not installed or lacks the pair: the message says what to do
   */
  public static Choice choose(String name, URI url, String from, String to) {
    String pair = from + "->" + to;
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "pseudo" -> new Choice(new PseudoTranslator(), "pseudo-localiser (asked for)");
      case "libretranslate" -> {
        if (url == null) {
          throw new IllegalArgumentException("--backend libretranslate needs --url");
        }
        yield new Choice(new LibreTranslateTranslator(url), "LibreTranslate API at " + url);
      }
      case "apertium" -> {
        if (url != null) {
          yield new Choice(new ApertiumApyTranslator(url), "Apertium APy server at " + url);
        }
        if (!ApertiumLocalTranslator.installed()) {
          throw new IllegalArgumentException(
              "Apertium is not installed: apt-get install apertium apertium-eng-spa, or give"
                  + " --url of an APy server");
        }
        if (!ApertiumLocalTranslator.supports(from, to)) {
          throw new IllegalArgumentException(
              "Apertium has no "
                  + pair
                  + " pair installed (installed: "
                  + ApertiumLocalTranslator.pairs()
                  + ")");
        }
        yield new Choice(
            new ApertiumLocalTranslator(), "Apertium engine, local, no server (" + pair + ")");
      }
      case "auto" -> {
        if (url != null) {
          yield new Choice(
              new LibreTranslateTranslator(url), "LibreTranslate API at " + url + " (--url given)");
        }
        if (ApertiumLocalTranslator.installed() && ApertiumLocalTranslator.supports(from, to)) {
          yield new Choice(
              new ApertiumLocalTranslator(), "Apertium engine, local (" + pair + " installed)");
        }
        yield new Choice(
            new PseudoTranslator(),
            ApertiumLocalTranslator.installed()
                ? "pseudo-localiser: Apertium has no " + pair + " pair installed"
                : "pseudo-localiser: Apertium is not installed (apt-get install apertium"
                    + " apertium-eng-spa for real translations)");
      }
      default ->
          throw new IllegalArgumentException(
              "unknown --backend '" + name + "': use auto, apertium, libretranslate or pseudo");
    };
  }
}
