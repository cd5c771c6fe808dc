package dev.fanout.cli;

import dev.fanout.fakes.SearchBackendServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fanout search-backend}: one full-text backend of the search endpoint. */
@Command(
    name = "search-backend",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serves one kind of search data (docs, people, projects, tags) through a SQLite FTS5"
          + " index: GET /?q=words answers a JSON array of hits {id, title, snippet}; injected"
          + " faults are 500s.",
      "Runs until interrupted (Ctrl-C)."
    })
public final class SearchBackendCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--kind",
      required = true,
      paramLabel = "KIND",
      description = "docs, people, projects or tags.")
  String kind;

  @Mixin ListenOptions listen = new ListenOptions(0);

  @Option(
      names = "--data",
      paramLabel = "FILE",
      description =
          "JSON Lines {\"id\",\"title\",\"body\"} to index (default: the bundled sample).")
  Path data;

  @Mixin FaultOptions faults;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      SearchBackendServer.Builder b =
          faults.applyTo(
              SearchBackendServer.builder(kind).port(listen.port).bind(listen.address()));
      if (data != null) {
        b.data(data);
      }
      try (SearchBackendServer server = b.start()) {
        err.println(
            "fanout search-backend: "
                + kind
                + " ("
                + server.size()
                + " entries) on "
                + server.uri()
                + "?q=words"
                + faults.describe());
        err.flush();
        UntilStopped.await("fanout-search-backend");
      }
      return 0;
    } catch (InterruptedException e) {
      return 0;
    } catch (IllegalArgumentException | java.io.IOException | IllegalStateException e) {
      err.println("fanout search-backend: " + e.getMessage());
      return 1;
    }
  }
}
