// Command stubbackend is a search backend for benchmarks that costs next to nothing: it waits a
// fixed time, then answers the same three hits. bench/search.sh starts four of them behind a
// fan-out server, so that on a 2-core machine the figure left over is the fan-out's own
// overhead rather than four real backends queueing for the CPU.
//
//	stubbackend -port 9001 [-latency 20]
//
// GET /?q=words waits -latency milliseconds (giving up, without writing anything, if the
// client goes away first), then answers 200 with a JSON array of hits {"id", "title"}.
// Listens on 127.0.0.1 only. Standard library only.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// hits is the whole answer, built once: the backend does no work per request.
var hits = []byte(`[{"id":"1","title":"first stub hit"},{"id":"2","title":"second stub hit"},{"id":"3","title":"third stub hit"}]`)

var contentLength = strconv.Itoa(len(hits))

func main() {
	port := flag.Int("port", -1, "port to listen on, on 127.0.0.1 (required; 0 picks a free one)")
	latencyMs := flag.Int("latency", 0, "milliseconds to wait before answering")
	flag.Parse()
	if *port < 0 || *port > 65535 || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: stubbackend -port P [-latency MS]")
		os.Exit(2)
	}
	if *latencyMs < 0 {
		fmt.Fprintln(os.Stderr, "stubbackend: -latency must be 0 or more")
		os.Exit(2)
	}
	latency := time.Duration(*latencyMs) * time.Millisecond

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		log.Fatalf("stubbackend: %v", err)
	}
	fmt.Fprintf(os.Stderr, "stubbackend on http://%s/ (latency %v)\n", ln.Addr(), latency)

	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answer(w, r, latency) }),
		ReadHeaderTimeout: 10 * time.Second,
	}
	log.Fatal(srv.Serve(ln))
}

func answer(w http.ResponseWriter, r *http.Request, latency time.Duration) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "use GET /?q=words", http.StatusMethodNotAllowed)
		return
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			// The client went away (a fan-out cancelled this call): drop the connection
			// without an answer. ErrAbortHandler is not logged by net/http.
			t.Stop()
			panic(http.ErrAbortHandler)
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", contentLength)
	_, _ = w.Write(hits)
}
