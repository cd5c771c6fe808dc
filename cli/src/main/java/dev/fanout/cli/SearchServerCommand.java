package dev.fanout.cli;

import dev.fanout.fakes.SearchBackendServer;
import dev.fanout.search.SearchServer;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fanout search-server}: the fail-fast search endpoint. */
@Command(
    name = "search-server",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "GET /search?q=words asks four backends at once and answers all their hits, or 502 the"
          + " moment one fails (the others are cancelled); &partial=true answers what came back"
          + " plus the errors instead. GET /metrics: Prometheus text.",
      "Without --backend, starts the four built-in backends (docs, people, projects, tags) in"
          + " this process on free loopback ports. Runs until interrupted (Ctrl-C)."
    })
public final class SearchServerCommand implements Callable<Integer> {
  // Helidon's web server logs its start-up at INFO through java.util.logging; this command prints
  // where it listens itself. Held in a field: JUL keeps only weak references to its loggers.
  private static final Logger HELIDON = Logger.getLogger("io.helidon");

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ListenOptions listen = new ListenOptions(8080);

  @Option(
      names = "--backend",
      paramLabel = "NAME=URL",
      description = "A backend: its section's name and URL (GET URL?q=...). Repeatable.")
  List<String> backends = new ArrayList<>();

  @Option(
      names = "--deadline",
      converter = Durations.class,
      paramLabel = "DURATION",
      description =
          "How long one search may take: then the calls still running are cancelled and a"
              + " fail-fast search answers 504 naming them (default: 2s; 500ms, 2s, 1m).")
  Duration deadline = Duration.ofSeconds(2); // not defaultValue: picocli would apply it last

  // Not one option with two names: picocli's usage line would show the old one.
  private boolean oldName;

  @Option(
      names = "--timeout",
      hidden = true,
      converter = Durations.class,
      paramLabel = "DURATION",
      description = "The old name of --deadline (deprecated).")
  void timeout(Duration value) {
    deadline = value;
    oldName = true;
  }

  @Override
  public Integer call() {
    if (HELIDON.getLevel() == null) {
      HELIDON.setLevel(Level.WARNING);
    }
    PrintWriter err = spec.commandLine().getErr();
    if (oldName) {
      err.println("fanout search-server: --timeout is deprecated; use --deadline");
    }
    List<SearchBackendServer> embedded = new ArrayList<>();
    try {
      SearchServer.Builder b =
          SearchServer.builder().port(listen.port).bind(listen.address()).deadline(deadline);
      if (backends.isEmpty()) {
        for (String kind : SearchBackendServer.KINDS) {
          SearchBackendServer s = SearchBackendServer.builder(kind).port(0).start();
          embedded.add(s);
          b.backend(kind, s.uri());
          err.println("built-in backend " + kind + " on " + s.uri());
        }
      }
      for (String given : backends) {
        int eq = given.indexOf('=');
        if (eq <= 0) {
          err.println(
              "fanout search-server: --backend wants NAME=URL, e.g. docs=http://127.0.0.1:9001/");
          return 1;
        }
        URI uri = URI.create(given.substring(eq + 1));
        if (uri.getScheme() == null
            || !uri.getScheme().toLowerCase(Locale.ROOT).startsWith("http")
            || uri.getHost() == null) {
          err.println("fanout search-server: not an http URL: " + uri);
          return 1;
        }
        b.backend(given.substring(0, eq), uri);
      }
      try (SearchServer server = b.start()) {
        err.println(
            "fanout search-server: "
                + server.uri()
                + "search?q=words over "
                + server.backends().keySet()
                + " (fail-fast; &partial=true for what came back), "
                + server.uri()
                + "metrics");
        err.flush();
        UntilStopped.await("fanout-search-server");
      }
      return 0;
    } catch (InterruptedException e) {
      return 0;
    } catch (IllegalArgumentException | java.io.IOException | IllegalStateException e) {
      err.println("fanout search-server: " + e.getMessage());
      return 1;
    } finally {
      for (SearchBackendServer s : embedded) {
        s.close();
      }
    }
  }
}
