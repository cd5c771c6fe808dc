package dev.fanout.translate.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backend's version: what keys its translations in the memory and a document's settings. */
class BackendVersionTest {
  @TempDir Path dir;

  @Test
  void theLocalEngineIsVersionedByThePairsDataOnThisMachine() throws Exception {
    Path data = Files.writeString(dir.resolve("eng-spa.automorf.bin"), "dictionary v1");
    Path modes = Files.createDirectories(dir.resolve("modes"));
    Files.writeString(
        modes.resolve("eng-spa.mode"),
        "lt-proc -w '" + data + "' | apertium-pretransfer | lt-proc -g '" + data + "'\n");
    try (ApertiumLocalTranslator t = new ApertiumLocalTranslator(modes, 1, Duration.ofSeconds(5))) {
      String v1 = t.version("en", "es");
      assertTrue(v1.startsWith("eng-spa:"), v1);
      assertEquals(v1, t.version("en", "es"), "the same data, the same version");
      assertEquals("", t.version("en", "fr"), "no such pair: no version");
      Files.writeString(data, "dictionary v2, longer");
      Files.setLastModifiedTime(data, FileTime.fromMillis(1_000_000));
      assertNotEquals(v1, t.version("en", "es"), "new data: a new version");
    }
  }

  @Test
  void thePseudoBackendHasARevision() {
    assertEquals("1", new PseudoTranslator().version("en", "es"));
  }
}
