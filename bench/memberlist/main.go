// Command memberlist-node runs one HashiCorp memberlist member with DefaultLANConfig (nothing
// tuned) on 127.0.0.1 and prints what it observes as JSON lines on stdout, for the real-peers
// benchmark (scripts/bench-real-peers.ts):
//
//	{"ev":"ready","self":"m3","t":1700000000000}
//	{"ev":"join","self":"m3","node":"m1","t":...}          NotifyJoin
//	{"ev":"leave","self":"m3","node":"m1","t":...}         NotifyLeave: dead (failed) or left
//	{"ev":"suspect","self":"m3","node":"m1","t":...}       this member's own probe failed (first-hand)
//	{"ev":"failed","self":"m3","node":"m1","t":...}        this member's suspicion timer expired
//
// t is Unix time in ms. The last two come from memberlist's own log lines ("Suspect %s has failed,
// no acks received", "Marking %s as failed, suspect timeout reached"): memberlist has no delegate for
// suspicions. Built in GOPATH mode against Debian's golang-github-hashicorp-memberlist-dev (0.2.2):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o memberlist-node ./bench/memberlist
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/memberlist"
)

var out = struct {
	sync.Mutex
	enc *json.Encoder
}{enc: json.NewEncoder(os.Stdout)}

func emit(ev, self, node string) {
	out.Lock()
	defer out.Unlock()
	line := map[string]interface{}{"ev": ev, "self": self, "t": time.Now().UnixNano() / 1e6}
	if node != "" {
		line["node"] = node
	}
	_ = out.enc.Encode(line)
}

type events struct{ self string }

func (e events) NotifyJoin(n *memberlist.Node) {
	if n.Name != e.self {
		emit("join", e.self, n.Name)
	}
}
func (e events) NotifyLeave(n *memberlist.Node)  { emit("leave", e.self, n.Name) }
func (e events) NotifyUpdate(n *memberlist.Node) {}

var (
	suspectLine = regexp.MustCompile(`Suspect (\S+) has failed, no acks received`)
	failedLine  = regexp.MustCompile(`Marking (\S+) as failed, suspect timeout reached`)
)

// logWriter turns memberlist's log lines into events and passes warnings and errors to stderr.
type logWriter struct {
	self string
	buf  bytes.Buffer
	mu   sync.Mutex
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			return len(p), nil
		}
		if m := suspectLine.FindStringSubmatch(line); m != nil {
			emit("suspect", w.self, m[1])
		} else if m := failedLine.FindStringSubmatch(line); m != nil {
			emit("failed", w.self, m[1])
		} else if strings.Contains(line, "[ERR]") || strings.Contains(line, "[WARN]") {
			fmt.Fprint(os.Stderr, line)
		}
	}
}

func main() {
	name := flag.String("name", "", "member name (required)")
	port := flag.Int("port", 0, "UDP and TCP port on 127.0.0.1 (required)")
	join := flag.String("join", "", "comma-separated host:port of members to join")
	flag.Parse()
	if *name == "" || *port == 0 {
		fmt.Fprintln(os.Stderr, "usage: memberlist-node -name m1 -port 7946 [-join 127.0.0.1:7947]")
		os.Exit(2)
	}
	conf := memberlist.DefaultLANConfig()
	conf.Name = *name
	conf.BindAddr = "127.0.0.1"
	conf.BindPort = *port
	conf.AdvertiseAddr = "127.0.0.1"
	conf.AdvertisePort = *port
	conf.Events = events{self: *name}
	conf.LogOutput = &logWriter{self: *name}
	list, err := memberlist.Create(conf)
	if err != nil {
		fmt.Fprintln(os.Stderr, "create:", err)
		os.Exit(1)
	}
	if *join != "" {
		for {
			if _, err := list.Join(strings.Split(*join, ",")); err == nil {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	emit("ready", *name, "")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	_ = list.Leave(time.Second)
	_ = list.Shutdown()
}
