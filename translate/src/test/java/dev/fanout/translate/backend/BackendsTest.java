package dev.fanout.translate.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** Which backend a run gets, and the reason it prints. */
class BackendsTest {
  private static final URI URL = URI.create("http://127.0.0.1:5000");

  @Test
  void namedBackends() throws Exception {
    try (var t = Backends.choose("pseudo", null, "en", "es").translator()) {
      assertInstanceOf(PseudoTranslator.class, t);
    }
    Backends.Choice lt = Backends.choose("LibreTranslate", URL, "en", "es");
    try (var t = lt.translator()) {
      assertInstanceOf(LibreTranslateTranslator.class, t);
      assertEquals("LibreTranslate API at " + URL, lt.reason());
    }
    try (var t = Backends.choose("apertium", URL, "en", "es").translator()) {
      assertInstanceOf(ApertiumApyTranslator.class, t, "apertium with --url is an APy server");
    }
  }

  @Test
  void autoPrefersAGivenUrlThenALocalApertiumThenThePseudoLocaliser() throws Exception {
    Backends.Choice withUrl = Backends.choose("auto", URL, "en", "es");
    try (var t = withUrl.translator()) {
      assertInstanceOf(LibreTranslateTranslator.class, t);
      assertTrue(withUrl.reason().contains("--url given"), withUrl.reason());
    }
    Backends.Choice local = Backends.choose("auto", null, "en", "es");
    try (var t = local.translator()) {
      if (ApertiumLocalTranslator.installed() && ApertiumLocalTranslator.supports("en", "es")) {
        assertInstanceOf(ApertiumLocalTranslator.class, t);
      } else {
        assertInstanceOf(PseudoTranslator.class, t);
        assertTrue(local.reason().startsWith("pseudo-localiser: Apertium"), local.reason());
      }
    }
    Backends.Choice noPair = Backends.choose("auto", null, "en", "xh");
    try (var t = noPair.translator()) {
      assertInstanceOf(PseudoTranslator.class, t, "no en->xh pair anywhere here");
    }
  }

  @Test
  void usageProblemsSayWhatToDo() {
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class, () -> Backends.choose("deepl", null, "en", "es"));
    assertTrue(unknown.getMessage().contains("use auto, apertium"), unknown.getMessage());
    IllegalArgumentException noUrl =
        assertThrows(
            IllegalArgumentException.class,
            () -> Backends.choose("libretranslate", null, "en", "es"));
    assertTrue(noUrl.getMessage().contains("needs --url"), noUrl.getMessage());
    if (ApertiumLocalTranslator.installed()) {
      IllegalArgumentException noPair =
          assertThrows(
              IllegalArgumentException.class, () -> Backends.choose("apertium", null, "en", "xh"));
      assertTrue(noPair.getMessage().contains("no en->xh pair"), noPair.getMessage());
    } else {
      IllegalArgumentException missing =
          assertThrows(
              IllegalArgumentException.class, () -> Backends.choose("apertium", null, "en", "es"));
      assertTrue(missing.getMessage().contains("apt-get install"), missing.getMessage());
    }
  }
}
