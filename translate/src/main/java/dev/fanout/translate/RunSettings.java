package dev.fanout.translate;

import dev.fanout.translate.format.Formats;
import dev.fanout.translate.format.Protection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a run's settings decide for each tenant's documents, made in one place: the {@code settings}
 * recorded with each document (a document done with other settings is done again), the format layer
 * that takes its documents apart, and the backend's label in the translation memory.
 *
 * <p>A document's settings are the languages, the backend with its version, the format layer's
 * revision, the front-matter keys translated, and the tenant's do-not-translate terms (hashed):
 * everything that changes what is sent or how it is put back. A glossary's required targets are not
 * in it: they are only checked, and change no output. Thread-safe.
 */
final class RunSettings {
  /**
   * The format layer's revision: raise it when what the layer sends or how it restores a document
   * changes, so that documents done before are done again (their unchanged units come from the
   * translation memory, so that costs little).
   */
  static final int FORMAT_REVISION = 1;

  private final JobOptions options;
  private final String backend;
  private final String common;
  private final Map<String, Tenant> tenants = new ConcurrentHashMap<>();

  private record Tenant(String settings, Formats formats) {}

  RunSettings(JobOptions options, Translator translator) {
    this.options = options;
    String version = translator.version(options.from(), options.to());
    this.backend = version.isEmpty() ? translator.name() : translator.name() + "@" + version;
    this.common =
        options.from()
            + ">"
            + options.to()
            + "|"
            + backend
            + "|format "
            + FORMAT_REVISION
            + "|front matter "
            + String.join(",", new TreeSet<>(options.frontMatterKeys()));
  }

  /** {@return the backend as the memory and the settings name it: its name, and version if any} */
  String backend() {
    return backend;
  }

  /** {@return the settings recorded with a document of this tenant} */
  String settings(String tenant) {
    return tenant(tenant).settings();
  }

  /** {@return the format layer for this tenant's documents: its do-not-translate terms kept} */
  Formats formats(String tenant) {
    return tenant(tenant).formats();
  }

  private Tenant tenant(String name) {
    return tenants.computeIfAbsent(
        name,
        t -> {
          List<String> terms = options.glossary().doNotTranslate(t);
          String settings =
              terms.isEmpty() ? common : common + "|kept terms " + digest(new TreeSet<>(terms));
          return new Tenant(
              settings, new Formats(options.frontMatterKeys(), Protection.TEXT.withTerms(terms)));
        });
  }

  private static String digest(Iterable<String> terms) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (String term : terms) {
        md.update(term.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
      }
      return HexFormat.of().formatHex(md.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("SHA-256 is always present", e);
    }
  }
}
