package dev.fanout.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.Option;

/**
 * {@code --port P --bind ADDR} of the server commands: they listen on loopback unless told
 * otherwise. Each command makes its own with its default port ({@code @Mixin ListenOptions listen =
 * new ListenOptions(5000)}), which the help shows.
 */
final class ListenOptions {
  @Option(
      names = "--port",
      paramLabel = "P",
      description = "Port to listen on (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      paramLabel = "ADDR",
      description = "Address to listen on (default: ${DEFAULT-VALUE}, loopback only).")
  String bind;

  ListenOptions(int defaultPort) {
    this.port = defaultPort;
  }

  /** The address to listen on; an unknown host name is an {@link UnknownHostException}. */
  InetAddress address() throws UnknownHostException {
    return InetAddress.getByName(bind);
  }
}
