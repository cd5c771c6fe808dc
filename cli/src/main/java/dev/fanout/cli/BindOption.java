package dev.fanout.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.Option;

/** {@code --bind ADDR} of the server commands: they listen on loopback unless told otherwise. */
final class BindOption {
  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      paramLabel = "ADDR",
      description = "Address to listen on (default: ${DEFAULT-VALUE}, loopback only).")
  String bind;

  /** The address to listen on; an unknown host name is an {@link UnknownHostException}. */
  InetAddress address() throws UnknownHostException {
    return InetAddress.getByName(bind);
  }
}
