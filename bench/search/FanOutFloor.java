import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;

/**
 * The floor for a fan-out on this machine: one client sends the same GET to every URL at once
 * (one virtual thread each, one shared JDK HttpClient) and waits for all of them, sequentially,
 * for SECONDS seconds. Prints "p50 p99" in milliseconds. What a search server adds is its
 * latency minus this floor (bench/search.sh).
 *
 * <pre>java bench/search/FanOutFloor.java SECONDS URL...</pre>
 */
public class FanOutFloor {
  public static void main(String[] args) throws Exception {
    long until = System.nanoTime() + (long) (Double.parseDouble(args[0]) * 1e9);
    long[] t = new long[1 << 16];
    int n = 0;
    try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      for (int warm = 0; warm < 20; warm++) {
        once(c, args);
      }
      while (System.nanoTime() < until && n < t.length) {
        long t0 = System.nanoTime();
        once(c, args);
        t[n++] = System.nanoTime() - t0;
      }
    }
    long[] s = Arrays.copyOf(t, n);
    Arrays.sort(s);
    System.out.printf("%.2f %.2f%n", s[n / 2] / 1e6, s[(int) (n * 0.99)] / 1e6);
  }

  static void once(HttpClient c, String[] args) throws Exception {
    Thread[] th = new Thread[args.length - 1];
    for (int k = 1; k < args.length; k++) {
      URI u = URI.create(args[k]);
      th[k - 1] =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      c.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofByteArray());
                    } catch (Exception e) {
                      throw new RuntimeException(e);
                    }
                  });
    }
    for (Thread x : th) {
      x.join();
    }
  }
}
