package dev.fanout.cli;

import dev.fanout.fakes.UpstreamServer;
import dev.fanout.translate.Translator;
import dev.fanout.translate.backend.ApertiumLocalTranslator;
import dev.fanout.translate.backend.PseudoTranslator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fanout upstream}: a LibreTranslate-compatible server with limits and faults. */
@Command(
    name = "upstream",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serves the LibreTranslate API (POST /translate, GET /languages) on loopback, with per-key"
          + " rate limits (429 with Retry-After) and injected faults (500 or 503): an upstream to"
          + " point `fanout translate --url` at, for demos and tests.",
      "Runs until interrupted (Ctrl-C)."
    })
public final class UpstreamCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ListenOptions listen = new ListenOptions(5000);

  @Option(
      names = "--backend",
      defaultValue = "pseudo",
      paramLabel = "NAME",
      description = "pseudo or apertium (the local engine) (default: ${DEFAULT-VALUE}).")
  String backend;

  @Option(
      names = "--limit",
      paramLabel = "KEY=N/s",
      description =
          "At most N requests in any one second for API key KEY (a tenant is known by its key);"
              + " 0 refuses every request with 429. Repeatable.")
  List<String> limits = new ArrayList<>();

  @Option(
      names = "--ban",
      paramLabel = "KEY",
      description = "Answer 403 to this API key. Repeatable.")
  List<String> bans = new ArrayList<>();

  @Mixin FaultOptions faults;

  @Option(
      names = "--log",
      paramLabel = "FILE",
      description =
          "Write one line per request ('<epoch seconds> <method> <path> <status> <key id>...';"
              + " never a key or a text) to FILE, or '-' for stderr.")
  String log;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Translator translator;
    switch (backend.toLowerCase(Locale.ROOT)) {
      case "pseudo" -> translator = new PseudoTranslator();
      case "apertium" -> {
        if (!ApertiumLocalTranslator.installed()) {
          err.println(
              "fanout upstream: Apertium is not installed (apt-get install apertium"
                  + " apertium-eng-spa)");
          return 1;
        }
        translator = new ApertiumLocalTranslator();
      }
      default -> {
        err.println("fanout upstream: unknown --backend '" + backend + "': use pseudo or apertium");
        return 1;
      }
    }
    Writer logFile = null;
    try (translator) {
      UpstreamServer.Builder b =
          faults.applyTo(
              UpstreamServer.builder(new TranslatorEngine(translator))
                  .port(listen.port)
                  .bind(listen.address()));
      for (String l : limits) {
        int eq = l.lastIndexOf('=');
        if (eq <= 0) {
          err.println("fanout upstream: --limit wants KEY=N/s, e.g. acme-key=5/s");
          return 1;
        }
        String n = l.substring(eq + 1).replaceFirst("(?i)/s$", "");
        b.limit(l.substring(0, eq), Double.parseDouble(n));
      }
      for (String k : bans) {
        b.ban(k);
      }
      if (log != null) {
        Consumer<String> sink;
        if (log.equals("-")) {
          sink = line -> err.println(stamp() + " " + line);
        } else {
          logFile = Files.newBufferedWriter(Path.of(log), StandardCharsets.UTF_8);
          sink = lineWriter(logFile);
        }
        b.log(sink);
      }
      try (UpstreamServer server = b.start()) {
        err.println(
            "fanout upstream: LibreTranslate API on "
                + server.uri()
                + " (POST /translate, GET /languages), backend "
                + translator.name()
                + (limits.isEmpty() ? "" : ", limits " + limits.size())
                + faults.describe());
        err.flush();
        UntilStopped.await("fanout-upstream");
      } catch (InterruptedException e) {
        return 0;
      }
    } catch (NumberFormatException e) {
      err.println(
          "fanout upstream: --limit wants a number of requests per second: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException | IOException e) {
      err.println("fanout upstream: " + e.getMessage());
      return 1;
    } finally {
      if (logFile != null) {
        logFile.close();
      }
    }
    return 0;
  }

  private static String stamp() {
    return String.format(Locale.ROOT, "%.3f", System.currentTimeMillis() / 1000.0);
  }

  private static Consumer<String> lineWriter(Writer w) {
    ReentrantLock lock = new ReentrantLock();
    return line -> {
      lock.lock();
      try {
        w.write(stamp() + " " + line + "\n");
        w.flush();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      } finally {
        lock.unlock();
      }
    };
  }
}
