package dev.fanout.translate;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * Debian's {@code chromium}, headless, driven over the Chrome DevTools Protocol with the JDK's own
 * WebSocket client: no driver, no browser download, nothing from the network.
 *
 * <p>{@link #start} runs {@code chromium --headless --no-sandbox --disable-gpu
 * --disable-background-networking} with a fresh {@code --user-data-dir} and {@code
 * --remote-debugging-port=0}, and HOME pointed at the same fresh directory (so nothing is written
 * to the user's home, and its crash-report helpers, which leave the browser's process tree, name
 * that directory on their command lines). The browser writes the port it chose to {@code
 * DevToolsActivePort} in its user-data-dir; this class reads it and connects to the browser's
 * endpoint. {@link #open} makes a tab and attaches to it with a flat session. Every event the
 * browser sends is kept ({@link Tab#events}) for the test to inspect.
 *
 * <p>{@link #close} asks the browser to close, waits for it and for every process of it (its
 * descendants, and the processes naming that directory), kills what is still alive after the wait,
 * and fails if it had to; the WebSocket client's threads end with it.
 */
final class HeadlessChromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** The Ctrl modifier of {@link Tab#press}. */
  static final int CTRL = 2;

  /** The flags the issue asks for, and only those, beside the profile and the port. */
  static final List<String> FLAGS =
      List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking");

  private final Path home;
  private final Process process;
  private final HttpClient http;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<JsonNode>> firstEvent = new ConcurrentHashMap<>();
  private final List<JsonNode> events = new CopyOnWriteArrayList<>();

  /** The {@code chromium} command on PATH, if there is one. */
  static Optional<Path> find() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, "chromium");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * Starts the browser and connects to it.
   *
   * @param chromium the command
   * @param home a fresh, empty directory for its profile, HOME and log ({@code chromium.log})
   */
  static HeadlessChromium start(Path chromium, Path home) throws IOException, InterruptedException {
    Path profile = Files.createDirectories(home.resolve("profile"));
    List<String> command = new ArrayList<>();
    command.add(chromium.toString());
    command.addAll(FLAGS);
    command.add("--user-data-dir=" + profile);
    command.add("--remote-debugging-port=0");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(home.resolve("chromium.log").toFile());
    pb.environment().put("HOME", home.toString());
    pb.environment().put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    pb.environment().put("XDG_CACHE_HOME", home.resolve(".cache").toString());
    Process process = pb.start();
    process.getOutputStream().close();
    Path portFile = profile.resolve("DevToolsActivePort");
    try {
      Awaitility.await("chromium writes " + portFile)
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () ->
                  !process.isAlive()
                      || (Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2));
    } catch (Throwable t) {
      kill(process, home);
      throw t;
    }
    if (!process.isAlive()) {
      kill(process, home);
      fail("chromium exited with status " + process.exitValue() + ":\n" + log(home));
    }
    List<String> lines = Files.readAllLines(portFile);
    URI endpoint = URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
    return new HeadlessChromium(home, process, endpoint);
  }

  private HeadlessChromium(Path home, Process process, URI endpoint) throws InterruptedException {
    this.home = home;
    this.process = process;
    this.http = HttpClient.newHttpClient();
    try {
      this.socket =
          http.newWebSocketBuilder()
              .buildAsync(endpoint, new Listener())
              .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      http.shutdownNow();
      kill(process, home);
      throw new AssertionError("cannot connect to " + endpoint + ": " + e, e);
    }
  }

  /** One tab, attached with a flat session: commands and events carry its session id. */
  final class Tab {
    final String session;

    private Tab(String session) {
      this.session = session;
    }

    /** Sends {@code method} to this tab and returns its result; a protocol error fails the test. */
    JsonNode call(String method, Map<String, ?> params) {
      return HeadlessChromium.this.call(session, method, params);
    }

    /** Evaluates {@code expression} in the page (awaiting a promise) and returns its value. */
    JsonNode eval(String expression) {
      JsonNode r =
          call(
              "Runtime.evaluate",
              Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
      if (r.has("exceptionDetails")) {
        fail("the page threw evaluating " + expression + ": " + r.get("exceptionDetails"));
      }
      return r.get("result").path("value");
    }

    /** Waits for this tab's first event named {@code method}. */
    JsonNode await(String method) {
      return HeadlessChromium.this.await(session + " " + method);
    }

    /** The events this tab has sent so far. */
    List<JsonNode> events() {
      List<JsonNode> mine = new ArrayList<>();
      for (JsonNode e : events) {
        if (session.equals(e.path("sessionId").asText())) {
          mine.add(e);
        }
      }
      return mine;
    }

    /** A full-page PNG at 1 CSS pixel per pixel, saved to {@code file}. */
    void screenshot(Path file) throws IOException {
      JsonNode size = call("Page.getLayoutMetrics", Map.of()).get("cssContentSize");
      Map<String, Object> clip =
          Map.of(
              "x", 0,
              "y", 0,
              "width", size.get("width").asDouble(),
              "height", size.get("height").asDouble(),
              "scale", 1);
      JsonNode shot =
          call(
              "Page.captureScreenshot",
              Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
    }

    /**
     * A real key press: down and up, with {@code modifiers} held ({@link #CTRL}...) and the editing
     * {@code commands} it stands for (such as {@code selectAll}: headless, the browser has no
     * platform key bindings).
     */
    void press(String key, String code, int keyCode, int modifiers, String... commands) {
      for (String type : List.of("rawKeyDown", "keyUp")) {
        Map<String, Object> event = new HashMap<>();
        event.put("type", type);
        event.put("key", key);
        event.put("code", code);
        event.put("windowsVirtualKeyCode", keyCode);
        event.put("modifiers", modifiers);
        if (type.equals("rawKeyDown") && commands.length > 0) {
          event.put("commands", List.of(commands));
        }
        call("Input.dispatchKeyEvent", event);
      }
    }

    /** A real click: the mouse pressed and released at the middle of the element {@code css}. */
    void click(String css) {
      JsonNode box =
          eval(
              "(() => { const r = document.querySelector("
                  + JSON.valueToTree(css)
                  + ").getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height /"
                  + " 2}; })()");
      for (String type : List.of("mousePressed", "mouseReleased")) {
        call(
            "Input.dispatchMouseEvent",
            Map.of(
                "type",
                type,
                "x",
                box.get("x").asDouble(),
                "y",
                box.get("y").asDouble(),
                "button",
                "left",
                "clickCount",
                1));
      }
    }
  }

  /**
   * Opens a blank tab of {@code width} x {@code height} CSS pixels with the Page, Runtime, Log and
   * Network domains enabled (so nothing the page does before the test looks is missed).
   */
  Tab open(int width, int height) {
    String target =
        call(null, "Target.createTarget", Map.of("url", "about:blank")).get("targetId").asText();
    String session =
        call(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
            .get("sessionId")
            .asText();
    Tab tab = new Tab(session);
    for (String domain : List.of("Page", "Runtime", "Log", "Network")) {
      tab.call(domain + ".enable", Map.of());
    }
    tab.call(
        "Emulation.setDeviceMetricsOverride",
        Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
    return tab;
  }

  /** The browser's output so far (its log file). */
  String log() {
    return log(home);
  }

  private static String log(Path home) {
    try {
      return Files.readString(home.resolve("chromium.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private JsonNode call(String session, String method, Map<String, ?> params) {
    int id = ids.incrementAndGet();
    ObjectNode msg = JSON.createObjectNode();
    msg.put("id", id);
    msg.put("method", method);
    msg.set("params", JSON.valueToTree(params));
    if (session != null) {
      msg.put("sessionId", session);
    }
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    socket.sendText(msg.toString(), true).join();
    JsonNode reply = get(answer, method);
    if (reply.has("error")) {
      fail(method + " failed: " + reply.get("error"));
    }
    return reply.get("result");
  }

  private JsonNode await(String key) {
    return get(firstEvent.computeIfAbsent(key, k -> new CompletableFuture<>()), key).get("params");
  }

  private JsonNode get(CompletableFuture<JsonNode> f, String what) {
    try {
      return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + what, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("no answer to " + what + " (" + e + "); browser log:\n" + log(), e);
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public void onOpen(WebSocket ws) {
      ws.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        receive(text.toString());
        text.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      failPending(new IOException("the browser closed the connection: " + status + " " + reason));
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      failPending(error);
    }
  }

  private void receive(String message) {
    JsonNode m;
    try {
      m = JSON.readTree(message);
    } catch (IOException e) {
      failPending(e);
      return;
    }
    if (m.has("id")) {
      CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
      if (f != null) {
        f.complete(m);
      }
      return;
    }
    events.add(m);
    String key = m.path("sessionId").asText() + " " + m.path("method").asText();
    firstEvent.computeIfAbsent(key, k -> new CompletableFuture<>()).complete(m);
  }

  private void failPending(Throwable t) {
    pending.values().forEach(f -> f.completeExceptionally(t));
  }

  /**
   * Closes the browser and waits for every one of its processes to end.
   *
   * @throws AssertionError when a process had to be killed
   */
  @Override
  public void close() throws InterruptedException {
    List<ProcessHandle> all = processes(process, home);
    try {
      socket.sendText("{\"id\":0,\"method\":\"Browser.close\"}", true).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // the browser may already be gone; the waits below decide
    }
    socket.abort();
    http.shutdownNow();
    if (!http.awaitTermination(WAIT)) {
      fail("the WebSocket client did not stop");
    }
    List<ProcessHandle> killed = new ArrayList<>();
    if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      killed.add(process.toHandle());
    }
    all.addAll(processes(process, home));
    try {
      Awaitility.await("every chromium process ends")
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> all.stream().noneMatch(ProcessHandle::isAlive));
    } catch (RuntimeException e) {
      for (ProcessHandle p : all) {
        if (p.isAlive()) {
          p.destroyForcibly();
          killed.add(p);
        }
      }
    }
    if (!killed.isEmpty()) {
      fail("chromium processes outlived Browser.close and were killed: " + killed);
    }
  }

  /** Kills the browser and every process of it at once (when it failed to start). */
  private static void kill(Process process, Path home) {
    for (ProcessHandle p : processes(process, home)) {
      p.destroyForcibly();
    }
  }

  /**
   * The browser, its descendants (zygotes, renderers, utilities; they rewrite their command lines),
   * and every process that names its directory (the crash-report helpers, which are not its
   * descendants).
   */
  private static List<ProcessHandle> processes(Process process, Path home) {
    String dir = home.toString();
    Set<ProcessHandle> out = new LinkedHashSet<>();
    out.add(process.toHandle());
    try (Stream<ProcessHandle> s = process.descendants()) {
      s.forEach(out::add);
    }
    try (Stream<ProcessHandle> s = ProcessHandle.allProcesses()) {
      s.filter(p -> p.info().commandLine().map(c -> c.contains(dir)).orElse(false))
          .forEach(out::add);
    }
    return new ArrayList<>(out);
  }
}
