// Command fanoutserver is the fail-fast search endpoint of `fanout search-server` written in
// plain Go (net/http, goroutines, a context): the peer bench/search.sh measures the Java server
// against, on the same backends and with the same load.
//
//	fanoutserver [-port 8080] [-timeout 2s] NAME=URL...
//
// GET /search?q=words asks every backend at once (GET URL?q=words) and answers 200
// {"NAME": [hits...], ...} with the sections in the order given, each backend's array copied
// through as it came. The first backend that fails (transport error, a status other than 200,
// or a body that is not a JSON array) cancels the others' calls and the answer is
// 502 {"error": ..., "backend": NAME}; past -timeout it is 504. A missing or blank q, or one over
// 512 characters, is 400. Listens on 127.0.0.1 only. Standard library only.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	maxQueryChars = 512
	maxBodyBytes  = 1 << 20 // a backend answer larger than this is a failure
)

type backend struct {
	name string
	base string // URL up to the query string
	sep  string // "?" or "&": how q is appended to base
	key  []byte // `"name":`, JSON-encoded once
}

type server struct {
	backends []backend
	timeout  time.Duration
	client   *http.Client
}

// result is one backend call's outcome; i indexes server.backends.
type result struct {
	i    int
	body []byte
	err  error
}

func main() {
	port := flag.Int("port", 8080, "port to listen on, on 127.0.0.1 (0 picks a free one)")
	timeout := flag.Duration("timeout", 2*time.Second, "whole-request deadline")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: fanoutserver [-port P] [-timeout D] NAME=URL...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 || *timeout <= 0 || *port < 0 || *port > 65535 {
		flag.Usage()
		os.Exit(2)
	}
	s := &server{timeout: *timeout}
	seen := map[string]bool{}
	for _, arg := range flag.Args() {
		b, err := parseBackend(arg)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fanoutserver: %v\n", err)
			os.Exit(2)
		}
		if seen[b.name] {
			fmt.Fprintf(os.Stderr, "fanoutserver: backend %q given twice\n", b.name)
			os.Exit(2)
		}
		seen[b.name] = true
		s.backends = append(s.backends, b)
	}

	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256 // 64 concurrent searches keep their connections to each backend
	s.client = &http.Client{Transport: t}

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		log.Fatalf("fanoutserver: %v", err)
	}
	fmt.Fprintf(os.Stderr, "fanoutserver on http://%s/search (%d backends, timeout %v)\n", ln.Addr(), len(s.backends), s.timeout)
	mux := http.NewServeMux()
	mux.HandleFunc("/search", s.search)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}

func parseBackend(arg string) (backend, error) {
	name, raw, ok := strings.Cut(arg, "=")
	if !ok || name == "" {
		return backend{}, fmt.Errorf("backends are NAME=URL, e.g. docs=http://127.0.0.1:9001/; got %q", arg)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return backend{}, fmt.Errorf("backend %s: %q is not an http(s) URL", name, raw)
	}
	key, _ := json.Marshal(name)
	b := backend{name: name, base: raw, sep: "?", key: append(key, ':')}
	if u.RawQuery != "" || strings.HasSuffix(raw, "?") {
		b.sep = "&"
	}
	return b, nil
}

func (s *server) search(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use GET /search?q=words"})
		return
	}
	q := r.URL.Query().Get("q")
	if n := utf8.RuneCountInString(q); n > maxQueryChars {
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"error": fmt.Sprintf("q has %d characters; at most %d are accepted", n, maxQueryChars),
		})
		return
	}
	q = strings.TrimSpace(q)
	if q == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "missing or empty q: ask /search?q=words"})
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel() // on every way out: aborts the calls still running and closes their connections
	// Buffered for every backend, so the goroutines still running after an early return finish
	// their send and exit.
	results := make(chan result, len(s.backends))
	enc := url.QueryEscape(q)
	for i := range s.backends {
		go func(i int) {
			body, err := s.call(ctx, &s.backends[i], enc)
			results <- result{i: i, body: body, err: err}
		}(i)
	}

	bodies := make([][]byte, len(s.backends))
	for range s.backends {
		res := <-results
		if res.err == nil {
			bodies[res.i] = res.body
			continue
		}
		switch {
		case r.Context().Err() != nil:
			return // the client went away: nobody to answer
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			pending := []string{}
			for i, b := range bodies {
				if b == nil {
					pending = append(pending, s.backends[i].name)
				}
			}
			writeJSON(w, http.StatusGatewayTimeout, map[string]any{
				"error":   "no answer from every backend within " + s.timeout.String(),
				"pending": pending,
			})
		default:
			cancel()
			writeJSON(w, http.StatusBadGateway, map[string]any{
				"error":   res.err.Error(),
				"backend": s.backends[res.i].name,
			})
		}
		return
	}

	size := 2
	for i, b := range bodies {
		size += len(s.backends[i].key) + len(b) + 1
	}
	out := make([]byte, 0, size)
	out = append(out, '{')
	for i, b := range bodies {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, s.backends[i].key...)
		out = append(out, b...)
	}
	out = append(out, '}')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// call asks one backend; enc is q already URL-encoded. The error says what went wrong, prefixed
// with the backend's name.
func (s *server) call(ctx context.Context, b *backend, enc string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+b.sep+"q="+enc, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", b.name, err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", b.name, transportReason(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d", b.name, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the answer: %v", b.name, transportReason(err))
	}
	if len(body) > maxBodyBytes {
		return nil, fmt.Errorf("%s: the answer is over %d bytes", b.name, maxBodyBytes)
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '[' || !json.Valid(body) {
		return nil, fmt.Errorf("%s: the answer is not a JSON array of hits", b.name)
	}
	return body, nil
}

// transportReason drops the method and URL that *url.Error repeats, keeping the cause.
func transportReason(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
