package dev.fanout.cli;

import dev.fanout.translate.backend.Backends;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --backend --url --api-key --tenant-keys} of the commands that translate ({@code
 * translate}, {@code worker}): which backend, where, and with which keys. The keys stay in this
 * process: they never go to a state store, a log or a report.
 */
final class BackendOptions {
  @Option(
      names = "--backend",
      defaultValue = "auto",
      paramLabel = "NAME",
      description =
          "auto, apertium, libretranslate or pseudo (default: ${DEFAULT-VALUE}: LibreTranslate"
              + " with --url, else Apertium when installed, else pseudo).")
  String backend;

  @Option(
      names = "--url",
      paramLabel = "URL",
      description = "The server: a LibreTranslate API, or an Apertium APy with --backend apertium.")
  URI url;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      description = "API key for tenants without their own (or set FANOUT_API_KEY). Never logged.")
  String apiKey;

  @Option(
      names = "--tenant-keys",
      paramLabel = "FILE",
      description = "Lines 'tenant=key': each tenant's own API key.")
  Path tenantKeys;

  /** {@return the key for tenants without their own: --api-key, else FANOUT_API_KEY, else null} */
  String defaultKey() {
    return apiKey != null ? apiKey : System.getenv("FANOUT_API_KEY");
  }

  /** {@return each tenant's key from --tenant-keys, or none} */
  Map<String, String> tenantKeys() throws TranslateCommand.UsageException {
    return tenantKeys == null ? Map.of() : TranslateCommand.readTenantKeys(tenantKeys);
  }

  /** {@return the backend for these languages, and why it was chosen} */
  Backends.Choice choose(String from, String to) {
    return Backends.choose(backend, url, from, to);
  }
}
