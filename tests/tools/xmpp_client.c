// SPDX-License-Identifier: Apache-2.0
// vapush-testclient: scriptable libstrophe XMPP client used by the vapush integration tests.
//
// Output: one machine-readable line per event on stdout (see usage()), exit 0 on success,
// 1 on failure or timeout, 2 on bad usage, 3 when the peer answered an IQ with an error.

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { RC_OK = 0, RC_FAIL = 1, RC_USAGE = 2, RC_IQ_ERROR = 3 };

#define MAX_ITEMS 64
#define NS_PING "urn:xmpp:ping"
#define NS_SM "urn:xmpp:sm:3"
#define NS_PUSH "urn:xmpp:push:0"
#define NS_DATA "jabber:x:data"
#define NS_COMMANDS "http://jabber.org/protocol/commands"
#define NS_DISCO_INFO "http://jabber.org/protocol/disco#info"
#define NS_DISCO_ITEMS "http://jabber.org/protocol/disco#items"
#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"
#define PUBLISH_OPTIONS "http://jabber.org/protocol/pubsub#publish-options"

typedef struct {
  const char* var;
  const char* value;
} kv_t;

typedef struct {
  const char* to;
  const char* body;
  const char* id;
  const char* type;
  const char* displayed;
  const char* received;
  int markable;
  int request_receipt;
} msg_spec_t;

typedef struct {
  const char* cmd;
  const char* jid;
  const char* password;
  const char* host;
  unsigned short port;
  const char* resource;
  double timeout;
  int sm;
  const char* show;
  const char* status;
  int no_presence;
  int debug;
  int unacked;  // hibernate without acking what we received first
  double stay_online;
  const char* then;  // "close" (default), "hibernate", "stay"
  // enable / disable
  const char* push_jid;
  const char* node;
  const char* secret;
  kv_t options[MAX_ITEMS];
  int n_options;
  // send
  msg_spec_t msgs[MAX_ITEMS];
  int n_msgs;
  // presence
  const char* seq;
  // command / disco / iq
  const char* to;
  kv_t fields[MAX_ITEMS];
  int n_fields;
  const char* submit_action;
  int oneshot;
  const char* xml;
} opts_t;

typedef struct {
  xmpp_ctx_t* ctx;
  xmpp_conn_t* conn;
  const opts_t* o;
  int connected;
  int disconnected;
  int conn_error;
  int sm_enabled;
  int sm_failed;
  unsigned sm_h;  // stanzas received since <enabled/> (XEP-0198 'h')
  int fd;
  char domain[256];
  char wait_id[64];
  xmpp_stanza_t* reply;
  unsigned id_counter;
} app_t;

static volatile sig_atomic_t g_stop = 0;

static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die_oom(void) {
  fputs("ERROR out of memory\n", stdout);
  fflush(stdout);
  _exit(RC_FAIL);
}

// printf into a freshly malloc'd string (never NULL).
static char* strfmt(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) die_oom();
  char* s = malloc((size_t)n + 1);
  if (!s) die_oom();
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

// XML-escape text or an attribute value into a malloc'd string.
static char* esc(const char* in) {
  if (!in) in = "";
  size_t n = 0;
  for (const char* p = in; *p; ++p)
    n += (*p == '&' || *p == '<' || *p == '>' || *p == '\'' || *p == '"') ? 6 : 1;
  char* out = malloc(n + 1);
  if (!out) die_oom();
  char* w = out;
  for (const char* p = in; *p; ++p) {
    const char* r = NULL;
    switch (*p) {
      case '&':
        r = "&amp;";
        break;
      case '<':
        r = "&lt;";
        break;
      case '>':
        r = "&gt;";
        break;
      case '\'':
        r = "&apos;";
        break;
      case '"':
        r = "&quot;";
        break;
      default:
        *w++ = *p;
        continue;
    }
    size_t l = strlen(r);
    memcpy(w, r, l);
    w += l;
  }
  *w = '\0';
  return out;
}

// Print "PREFIX <xml>" on one line (newlines inside become character references).
static void print_stanza(const char* prefix, xmpp_stanza_t* st, xmpp_ctx_t* ctx) {
  char* buf = NULL;
  size_t len = 0;
  if (xmpp_stanza_to_text(st, &buf, &len) != XMPP_EOK || !buf) {
    printf("%s <unprintable/>\n", prefix);
    fflush(stdout);
    return;
  }
  fputs(prefix, stdout);
  fputc(' ', stdout);
  for (size_t i = 0; i < len; ++i) {
    if (buf[i] == '\n')
      fputs("&#10;", stdout);
    else if (buf[i] == '\r')
      fputs("&#13;", stdout);
    else
      fputc(buf[i], stdout);
  }
  fputc('\n', stdout);
  fflush(stdout);
  xmpp_free(ctx, buf);
}

// Print a value on one line: backslash and newlines escaped as \\ and \n.
static void print_oneline(const char* s) {
  for (const char* p = s ? s : ""; *p; ++p) {
    if (*p == '\n')
      fputs("\\n", stdout);
    else if (*p == '\r')
      fputs("\\r", stdout);
    else if (*p == '\\')
      fputs("\\\\", stdout);
    else
      fputc(*p, stdout);
  }
}

static int streq(const char* a, const char* b) { return a && b && strcmp(a, b) == 0; }

static void next_id(app_t* a, char* out, size_t n) {
  snprintf(out, n, "vtc%u-%ld", ++a->id_counter, (long)getpid());
}

// ---------------------------------------------------------------------------------------------
// libstrophe callbacks

static app_t* g_app = NULL;  // for the sockopt callback (libstrophe passes no userdata there)

static int sockopt_capture(xmpp_conn_t* conn, void* sock) {
  (void)conn;
  if (g_app && sock) g_app->fd = *(int*)sock;
  return 0;
}

static void conn_handler(xmpp_conn_t* conn, xmpp_conn_event_t ev, int error,
                         xmpp_stream_error_t* stream_error, void* userdata) {
  app_t* a = userdata;
  if (ev == XMPP_CONN_CONNECT) {
    a->connected = 1;
    const char* bound = xmpp_conn_get_bound_jid(conn);
    printf("CONNECTED jid=%s\n", bound ? bound : "?");
    fflush(stdout);
    return;
  }
  if (ev == XMPP_CONN_RAW_CONNECT) return;
  a->disconnected = 1;
  if (!a->connected) a->conn_error = 1;
  printf("DISCONNECTED error=%d", error);
  if (stream_error) {
    printf(" stream-error=%d", (int)stream_error->type);
    if (stream_error->text) {
      fputs(" text=", stdout);
      print_oneline(stream_error->text);
    }
  }
  fputc('\n', stdout);
  fflush(stdout);
}

static void send_xml(app_t* a, const char* xml) {
  xmpp_stanza_t* st = xmpp_stanza_new_from_string(a->ctx, xml);
  if (!st) {
    printf("ERROR cannot parse outgoing XML: ");
    print_oneline(xml);
    putchar('\n');
    fflush(stdout);
    return;
  }
  // libstrophe's parser keeps xml:lang as a plain `lang` attribute; send it as xml:lang
  // (the registration tests set the IQ's language).
  const char* lang = xmpp_stanza_get_attribute(st, "lang");
  if (lang) {
    char* copy = strdup(lang);
    xmpp_stanza_del_attribute(st, "lang");
    xmpp_stanza_set_attribute(st, "xml:lang", copy);
    free(copy);
  }
  if (a->o->debug) print_stanza("SENT", st, a->ctx);
  xmpp_send(a->conn, st);
  xmpp_stanza_release(st);
}

static int stanza_handler(xmpp_conn_t* conn, xmpp_stanza_t* st, void* userdata) {
  app_t* a = userdata;
  (void)conn;
  const char* name = xmpp_stanza_get_name(st);
  const char* ns = xmpp_stanza_get_ns(st);
  if (streq(ns, NS_SM)) {
    if (streq(name, "enabled")) {
      const char* id = xmpp_stanza_get_attribute(st, "id");
      const char* resume = xmpp_stanza_get_attribute(st, "resume");
      a->sm_enabled = 1;
      printf("SM enabled id=%s resume=%s\n", id ? id : "", resume ? resume : "false");
      fflush(stdout);
    } else if (streq(name, "failed")) {
      a->sm_failed = 1;
      print_stanza("SM", st, a->ctx);
    } else if (a->o->debug) {
      print_stanza("SM", st, a->ctx);
    }
    return 1;
  }
  if (!name) return 1;
  if (a->sm_enabled && (streq(name, "message") || streq(name, "presence") || streq(name, "iq")))
    ++a->sm_h;
  print_stanza("RECV", st, a->ctx);
  if (!streq(name, "iq")) return 1;
  const char* type = xmpp_stanza_get_type(st);
  const char* id = xmpp_stanza_get_id(st);
  if (streq(type, "result") || streq(type, "error")) {
    if (id && a->wait_id[0] && streq(id, a->wait_id) && !a->reply) a->reply = xmpp_stanza_copy(st);
    return 1;
  }
  if (!streq(type, "get") && !streq(type, "set")) return 1;
  // Requests addressed to us: answer pings, refuse everything else.
  const char* from = xmpp_stanza_get_from(st);
  char* eid = esc(id);
  char* efrom = esc(from ? from : a->domain);
  char* xml;
  if (streq(type, "get") && xmpp_stanza_get_child_by_ns(st, NS_PING)) {
    xml = strfmt("<iq type='result' id='%s' to='%s'/>", eid, efrom);
  } else {
    xml = strfmt(
        "<iq type='error' id='%s' to='%s'><error type='cancel'><service-unavailable "
        "xmlns='" NS_STANZAS "'/></error></iq>",
        eid, efrom);
  }
  send_xml(a, xml);
  free(xml);
  free(eid);
  free(efrom);
  return 1;
}

// ---------------------------------------------------------------------------------------------
// event loop helpers (every wait is bounded)

// Run the loop until *flag is set. 0 = ok, -1 = disconnected, -2 = timeout, -3 = signal.
static int pump_until(app_t* a, const int* flag, double until) {
  while (!(flag && *flag)) {
    if (a->disconnected) return -1;
    if (now_s() >= until) return -2;
    if (g_stop) return -3;
    xmpp_run_once(a->ctx, 20);
  }
  return 0;
}

static const char* wait_err(int rc) {
  switch (rc) {
    case -1:
      return "connection closed";
    case -2:
      return "timeout";
    case -3:
      return "interrupted";
    default:
      return "unknown";
  }
}

// Send an IQ (xml must carry id=ID) and wait for its result/error. Returns the reply (caller
// releases) or NULL after printing an ERROR line.
static xmpp_stanza_t* iq_roundtrip(app_t* a, const char* id, const char* xml, double until,
                                   const char* what) {
  snprintf(a->wait_id, sizeof a->wait_id, "%s", id);
  if (a->reply) {
    xmpp_stanza_release(a->reply);
    a->reply = NULL;
  }
  send_xml(a, xml);
  int got = 0;
  int rc = 0;
  while (!got) {
    got = a->reply != NULL;
    if (got) break;
    if (a->disconnected) {
      rc = -1;
      break;
    }
    if (now_s() >= until) {
      rc = -2;
      break;
    }
    if (g_stop) {
      rc = -3;
      break;
    }
    xmpp_run_once(a->ctx, 20);
  }
  a->wait_id[0] = '\0';
  if (!got) {
    printf("ERROR %s: no reply (%s)\n", what, wait_err(rc));
    fflush(stdout);
    return NULL;
  }
  xmpp_stanza_t* r = a->reply;
  a->reply = NULL;
  return r;
}

// XEP-0199 ping to our server: when it returns, everything we sent before has been processed.
static int ping_roundtrip(app_t* a, double until) {
  char id[64];
  next_id(a, id, sizeof id);
  char* dom = esc(a->domain);
  char* xml = strfmt("<iq type='get' id='%s' to='%s'><ping xmlns='" NS_PING "'/></iq>", id, dom);
  free(dom);
  xmpp_stanza_t* r = iq_roundtrip(a, id, xml, until, "ping");
  free(xml);
  if (!r) return -1;
  xmpp_stanza_release(r);
  return 0;
}

static const char* error_condition(xmpp_stanza_t* iq) {
  xmpp_stanza_t* err = xmpp_stanza_get_child_by_name(iq, "error");
  if (!err) return "unknown";
  for (xmpp_stanza_t* c = xmpp_stanza_get_children(err); c; c = xmpp_stanza_get_next(c)) {
    const char* n = xmpp_stanza_get_name(c);
    if (n && streq(xmpp_stanza_get_ns(c), NS_STANZAS) && strcmp(n, "text") != 0) return n;
  }
  return "unknown";
}

// Print "RESULT ok" for type=result, "RESULT error COND" otherwise; returns the exit code.
static int report_iq(xmpp_stanza_t* r) {
  if (streq(xmpp_stanza_get_type(r), "result")) {
    puts("RESULT ok");
    fflush(stdout);
    return RC_OK;
  }
  printf("RESULT error %s\n", error_condition(r));
  fflush(stdout);
  return RC_IQ_ERROR;
}

static void send_presence(app_t* a, const char* show, const char* status, int unavailable) {
  char* ss = status ? esc(status) : NULL;
  char* xml;
  if (unavailable) {
    xml = ss ? strfmt("<presence type='unavailable'><status>%s</status></presence>", ss)
             : strfmt("<presence type='unavailable'/>");
  } else if (show && *show) {
    char* sh = esc(show);
    xml = ss ? strfmt("<presence><show>%s</show><status>%s</status></presence>", sh, ss)
             : strfmt("<presence><show>%s</show></presence>", sh);
    free(sh);
  } else {
    xml = ss ? strfmt("<presence><status>%s</status></presence>", ss) : strfmt("<presence/>");
  }
  send_xml(a, xml);
  free(xml);
  free(ss);
}

// Print FIELD lines for every jabber:x:data form below `st`.
static void print_form_fields(xmpp_stanza_t* st) {
  for (xmpp_stanza_t* c = xmpp_stanza_get_children(st); c; c = xmpp_stanza_get_next(c)) {
    const char* n = xmpp_stanza_get_name(c);
    if (!n) continue;
    if (streq(n, "x") && streq(xmpp_stanza_get_ns(c), NS_DATA)) {
      for (xmpp_stanza_t* f = xmpp_stanza_get_children(c); f; f = xmpp_stanza_get_next(f)) {
        if (!streq(xmpp_stanza_get_name(f), "field")) continue;
        const char* var = xmpp_stanza_get_attribute(f, "var");
        int nvals = 0;
        for (xmpp_stanza_t* v = xmpp_stanza_get_children(f); v; v = xmpp_stanza_get_next(v)) {
          if (!streq(xmpp_stanza_get_name(v), "value")) continue;
          char* text = xmpp_stanza_get_text(v);
          printf("FIELD %s=", var ? var : "");
          print_oneline(text ? text : "");
          putchar('\n');
          if (text) xmpp_free(xmpp_stanza_get_context(v), text);
          ++nvals;
        }
        if (nvals == 0) printf("FIELD %s=\n", var ? var : "");
      }
    } else {
      print_form_fields(c);
    }
  }
  fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// actions

static int act_enable(app_t* a, double until) {
  const opts_t* o = a->o;
  char id[64];
  next_id(a, id, sizeof id);
  char* jid = esc(o->push_jid);
  char* node = esc(o->node);
  char* form = NULL;
  if (o->secret || o->n_options > 0) {
    char* acc =
        strfmt("<x xmlns='" NS_DATA
               "' type='submit'><field var='FORM_TYPE' type='hidden'><value>" PUBLISH_OPTIONS
               "</value></field>");
    if (o->secret) {
      char* s = esc(o->secret);
      char* t = strfmt("%s<field var='secret'><value>%s</value></field>", acc, s);
      free(s);
      free(acc);
      acc = t;
    }
    for (int i = 0; i < o->n_options; ++i) {
      char* v = esc(o->options[i].var);
      char* val = esc(o->options[i].value);
      char* t = strfmt("%s<field var='%s'><value>%s</value></field>", acc, v, val);
      free(v);
      free(val);
      free(acc);
      acc = t;
    }
    form = strfmt("%s</x>", acc);
    free(acc);
  }
  char* xml = strfmt("<iq type='set' id='%s'><enable xmlns='" NS_PUSH
                     "' jid='%s' node='%s'>%s</enable></iq>",
                     id, jid, node, form ? form : "");
  free(jid);
  free(node);
  free(form);
  xmpp_stanza_t* r = iq_roundtrip(a, id, xml, until, "push enable");
  free(xml);
  if (!r) return RC_FAIL;
  int rc = report_iq(r);
  xmpp_stanza_release(r);
  return rc;
}

static int act_disable(app_t* a, double until) {
  const opts_t* o = a->o;
  char id[64];
  next_id(a, id, sizeof id);
  char* jid = esc(o->push_jid);
  char* node = o->node ? esc(o->node) : NULL;
  char* nattr = node ? strfmt(" node='%s'", node) : strfmt("%s", "");
  char* xml = strfmt("<iq type='set' id='%s'><disable xmlns='" NS_PUSH "' jid='%s'%s/></iq>", id,
                     jid, nattr);
  free(jid);
  free(node);
  free(nattr);
  xmpp_stanza_t* r = iq_roundtrip(a, id, xml, until, "push disable");
  free(xml);
  if (!r) return RC_FAIL;
  int rc = report_iq(r);
  xmpp_stanza_release(r);
  return rc;
}

static int act_send(app_t* a, double until) {
  const opts_t* o = a->o;
  for (int i = 0; i < o->n_msgs; ++i) {
    const msg_spec_t* m = &o->msgs[i];
    char gen[64];
    next_id(a, gen, sizeof gen);
    char* id = esc(m->id ? m->id : gen);
    char* to = esc(m->to);
    char* type = esc(m->type ? m->type : "chat");
    char* body = m->body ? esc(m->body) : NULL;
    char* bodyx = body ? strfmt("<body>%s</body>", body) : strfmt("%s", "");
    char* disp = m->displayed ? esc(m->displayed) : NULL;
    char* dispx = disp ? strfmt("<displayed xmlns='urn:xmpp:chat-markers:0' id='%s'/>", disp)
                       : strfmt("%s", "");
    char* recv = m->received ? esc(m->received) : NULL;
    char* recvx =
        recv ? strfmt("<received xmlns='urn:xmpp:receipts' id='%s'/>", recv) : strfmt("%s", "");
    char* xml =
        strfmt("<message type='%s' to='%s' id='%s'>%s%s%s%s%s</message>", type, to, id, bodyx,
               m->markable ? "<markable xmlns='urn:xmpp:chat-markers:0'/>" : "",
               m->request_receipt ? "<request xmlns='urn:xmpp:receipts'/>" : "", dispx, recvx);
    send_xml(a, xml);
    printf("SENT message id=%s to=%s\n", m->id ? m->id : gen, m->to);
    fflush(stdout);
    free(xml);
    free(id);
    free(to);
    free(type);
    free(body);
    free(bodyx);
    free(disp);
    free(dispx);
    free(recv);
    free(recvx);
  }
  if (ping_roundtrip(a, until) != 0) return RC_FAIL;
  printf("RESULT ok sent=%d\n", o->n_msgs);
  fflush(stdout);
  return RC_OK;
}

static int act_presence(app_t* a, double until) {
  const char* seq = a->o->seq ? a->o->seq : "available,away,xa,dnd,unavailable";
  char* copy = strfmt("%s", seq);
  char* save = NULL;
  int n = 0;
  int rc = RC_OK;
  for (char* tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (streq(tok, "available") || streq(tok, "online")) {
      send_presence(a, NULL, a->o->status, 0);
    } else if (streq(tok, "unavailable") || streq(tok, "offline")) {
      send_presence(a, NULL, a->o->status, 1);
    } else if (streq(tok, "away") || streq(tok, "xa") || streq(tok, "dnd") || streq(tok, "chat")) {
      send_presence(a, tok, a->o->status, 0);
    } else {
      printf("ERROR unknown presence state '%s'\n", tok);
      rc = RC_USAGE;
      break;
    }
    if (ping_roundtrip(a, until) != 0) {
      rc = RC_FAIL;
      break;
    }
    printf("PRESENCE %s\n", tok);
    fflush(stdout);
    ++n;
  }
  free(copy);
  if (rc == RC_OK) {
    printf("RESULT ok presences=%d\n", n);
    fflush(stdout);
  }
  return rc;
}

// Build a submit form from the user's --field values, keeping hidden fields (FORM_TYPE) of the
// form the command returned (if any).
static char* build_submit_form(const opts_t* o, xmpp_stanza_t* form, xmpp_ctx_t* ctx) {
  char* acc = strfmt("<x xmlns='" NS_DATA "' type='submit'>");
  if (form) {
    for (xmpp_stanza_t* f = xmpp_stanza_get_children(form); f; f = xmpp_stanza_get_next(f)) {
      if (!streq(xmpp_stanza_get_name(f), "field")) continue;
      if (!streq(xmpp_stanza_get_attribute(f, "type"), "hidden")) continue;
      const char* var = xmpp_stanza_get_attribute(f, "var");
      int given = 0;
      for (int i = 0; i < o->n_fields; ++i) given |= streq(o->fields[i].var, var);
      if (!var || given) continue;
      xmpp_stanza_t* v = xmpp_stanza_get_child_by_name(f, "value");
      char* text = v ? xmpp_stanza_get_text(v) : NULL;
      char* ev = esc(var);
      char* et = esc(text ? text : "");
      char* t = strfmt("%s<field var='%s'><value>%s</value></field>", acc, ev, et);
      free(ev);
      free(et);
      if (text) xmpp_free(ctx, text);
      free(acc);
      acc = t;
    }
  }
  for (int i = 0; i < o->n_fields; ++i) {
    char* ev = esc(o->fields[i].var);
    char* et = esc(o->fields[i].value);
    char* t = strfmt("%s<field var='%s'><value>%s</value></field>", acc, ev, et);
    free(ev);
    free(et);
    free(acc);
    acc = t;
  }
  char* t = strfmt("%s</x>", acc);
  free(acc);
  return t;
}

static int act_command(app_t* a, double until) {
  const opts_t* o = a->o;
  char* to = esc(o->to);
  char* node = esc(o->node);
  char* sid = NULL;
  xmpp_stanza_t* form = NULL;  // form of the last response (owned by `last`)
  xmpp_stanza_t* last = NULL;
  int rc = RC_FAIL;
  for (int stage = 0; stage < 6; ++stage) {
    char id[64];
    next_id(a, id, sizeof id);
    char* xml;
    if (stage == 0 && !o->oneshot) {
      xml = strfmt("<iq type='set' id='%s' to='%s'><command xmlns='" NS_COMMANDS
                   "' node='%s' action='execute'/></iq>",
                   id, to, node);
    } else {
      char* x = build_submit_form(o, form, a->ctx);
      char* sidattr = sid ? strfmt(" sessionid='%s'", sid) : strfmt("%s", "");
      const char* action = o->submit_action;
      if (!action && stage == 0) action = "execute";
      if (!action && last) {
        // default action of a multi-stage command (<actions execute='next'>), else complete
        xmpp_stanza_t* cmd = xmpp_stanza_get_child_by_ns(last, NS_COMMANDS);
        xmpp_stanza_t* acts = cmd ? xmpp_stanza_get_child_by_name(cmd, "actions") : NULL;
        const char* def = acts ? xmpp_stanza_get_attribute(acts, "execute") : NULL;
        action = def ? def : "complete";
      }
      char* actattr =
          (action && !streq(action, "none")) ? strfmt(" action='%s'", action) : strfmt("%s", "");
      xml = strfmt("<iq type='set' id='%s' to='%s'><command xmlns='" NS_COMMANDS
                   "' node='%s'%s%s>%s</command></iq>",
                   id, to, node, sidattr, actattr, x);
      free(x);
      free(sidattr);
      free(actattr);
    }
    xmpp_stanza_t* r = iq_roundtrip(a, id, xml, until, "ad-hoc command");
    free(xml);
    if (!r) goto out;
    if (last) xmpp_stanza_release(last);
    last = r;
    form = NULL;
    if (!streq(xmpp_stanza_get_type(r), "result")) {
      print_form_fields(r);
      rc = report_iq(r);
      goto out;
    }
    xmpp_stanza_t* cmd = xmpp_stanza_get_child_by_ns(r, NS_COMMANDS);
    const char* status = cmd ? xmpp_stanza_get_attribute(cmd, "status") : NULL;
    const char* s = cmd ? xmpp_stanza_get_attribute(cmd, "sessionid") : NULL;
    if (s) {
      free(sid);
      sid = esc(s);
    }
    if (cmd) form = xmpp_stanza_get_child_by_ns(cmd, NS_DATA);
    if (streq(status, "executing") && (o->n_fields > 0 || form) && stage < 5) {
      printf("STATUS executing\n");
      fflush(stdout);
      if (o->n_fields == 0 && !o->submit_action) {
        // nothing to submit: report the form and stop here
        print_form_fields(cmd);
        puts("RESULT ok status=executing");
        rc = RC_OK;
        goto out;
      }
      continue;
    }
    if (cmd) print_form_fields(cmd);
    for (xmpp_stanza_t* n = cmd ? xmpp_stanza_get_children(cmd) : NULL; n;
         n = xmpp_stanza_get_next(n)) {
      if (!streq(xmpp_stanza_get_name(n), "note")) continue;
      char* text = xmpp_stanza_get_text(n);
      const char* nt = xmpp_stanza_get_attribute(n, "type");
      printf("NOTE type=%s ", nt ? nt : "info");
      print_oneline(text ? text : "");
      putchar('\n');
      if (text) xmpp_free(a->ctx, text);
    }
    printf("RESULT ok status=%s\n", status ? status : "none");
    fflush(stdout);
    rc = RC_OK;
    goto out;
  }
  puts("ERROR ad-hoc command: too many stages");
out:
  fflush(stdout);
  if (last) xmpp_stanza_release(last);
  free(sid);
  free(to);
  free(node);
  return rc;
}

static int act_disco(app_t* a, double until, int items) {
  const opts_t* o = a->o;
  char id[64];
  next_id(a, id, sizeof id);
  char* to = esc(o->to ? o->to : a->domain);
  char* node = o->node ? esc(o->node) : NULL;
  char* nattr = node ? strfmt(" node='%s'", node) : strfmt("%s", "");
  char* xml = strfmt("<iq type='get' id='%s' to='%s'><query xmlns='%s'%s/></iq>", id, to,
                     items ? NS_DISCO_ITEMS : NS_DISCO_INFO, nattr);
  free(to);
  free(node);
  free(nattr);
  xmpp_stanza_t* r = iq_roundtrip(a, id, xml, until, items ? "disco#items" : "disco#info");
  free(xml);
  if (!r) return RC_FAIL;
  xmpp_stanza_t* q = xmpp_stanza_get_child_by_name(r, "query");
  for (xmpp_stanza_t* c = q ? xmpp_stanza_get_children(q) : NULL; c; c = xmpp_stanza_get_next(c)) {
    const char* n = xmpp_stanza_get_name(c);
    if (streq(n, "identity")) {
      const char* cat = xmpp_stanza_get_attribute(c, "category");
      const char* type = xmpp_stanza_get_attribute(c, "type");
      const char* name = xmpp_stanza_get_attribute(c, "name");
      printf("IDENTITY category=%s type=%s name=", cat ? cat : "", type ? type : "");
      print_oneline(name ? name : "");
      putchar('\n');
    } else if (streq(n, "feature")) {
      const char* var = xmpp_stanza_get_attribute(c, "var");
      printf("FEATURE %s\n", var ? var : "");
    } else if (streq(n, "item")) {
      const char* jid = xmpp_stanza_get_attribute(c, "jid");
      const char* inode = xmpp_stanza_get_attribute(c, "node");
      const char* name = xmpp_stanza_get_attribute(c, "name");
      printf("ITEM jid=%s node=%s name=", jid ? jid : "", inode ? inode : "");
      print_oneline(name ? name : "");
      putchar('\n');
    }
  }
  if (q) print_form_fields(q);
  int rc = report_iq(r);
  xmpp_stanza_release(r);
  return rc;
}

static int act_iq(app_t* a, double until) {
  xmpp_stanza_t* st = xmpp_stanza_new_from_string(a->ctx, a->o->xml);
  if (!st || !streq(xmpp_stanza_get_name(st), "iq")) {
    puts("ERROR --xml must be a well-formed <iq/> element");
    fflush(stdout);
    if (st) xmpp_stanza_release(st);
    return RC_USAGE;
  }
  char id[64];
  const char* have = xmpp_stanza_get_id(st);
  if (have) {
    snprintf(id, sizeof id, "%s", have);
  } else {
    next_id(a, id, sizeof id);
    xmpp_stanza_set_id(st, id);
  }
  char* buf = NULL;
  size_t len = 0;
  int rc = RC_FAIL;
  if (xmpp_stanza_to_text(st, &buf, &len) == XMPP_EOK && buf) {
    xmpp_stanza_t* r = iq_roundtrip(a, id, buf, until, "iq");
    xmpp_free(a->ctx, buf);
    if (r) {
      print_form_fields(r);
      rc = report_iq(r);
      xmpp_stanza_release(r);
    }
  } else {
    puts("ERROR cannot serialise --xml");
  }
  xmpp_stanza_release(st);
  return rc;
}

// Stay connected for `secs` seconds (or until SIGTERM/SIGINT), printing what arrives.
static int stay(app_t* a, double secs) {
  printf("STAY %.3f\n", secs);
  fflush(stdout);
  double until = now_s() + secs;
  while (!g_stop && !a->disconnected && now_s() < until) xmpp_run_once(a->ctx, 50);
  if (a->disconnected) {
    puts("ERROR connection lost while staying online");
    fflush(stdout);
    return RC_FAIL;
  }
  return RC_OK;
}

// Drop the TCP connection without </stream:stream>: the server keeps the session (XEP-0198).
static int hibernate(app_t* a) {
  if (!a->sm_enabled) {
    puts("ERROR hibernate needs stream management (server did not enable it)");
    fflush(stdout);
    return RC_FAIL;
  }
  if (a->fd < 0) {
    puts("ERROR hibernate: socket not known");
    fflush(stdout);
    return RC_FAIL;
  }
  if (!a->o->unacked) {
    // Ack everything we got, so the server's queue is empty and it has no reason to send a
    // content-less push at hibernation time (ejabberd does that for unacked stanzas).
    xmpp_send_raw_string(a->conn, "<a xmlns='" NS_SM "' h='%u'/>", a->sm_h);
    double flush_until = now_s() + 1.0;
    while (xmpp_conn_send_queue_len(a->conn) > 0 && !a->disconnected && now_s() < flush_until)
      xmpp_run_once(a->ctx, 10);
    xmpp_run_once(a->ctx, 1);
  }
  if (shutdown(a->fd, SHUT_RDWR) != 0) {
    printf("ERROR hibernate: shutdown: %s\n", strerror(errno));
    fflush(stdout);
    return RC_FAIL;
  }
  double until = now_s() + 3.0;
  while (!a->disconnected && now_s() < until) xmpp_run_once(a->ctx, 20);
  puts("HIBERNATED");
  fflush(stdout);
  return RC_OK;
}

static int close_clean(app_t* a) {
  if (a->disconnected) return RC_OK;
  xmpp_disconnect(a->conn);
  double until = now_s() + 3.0;
  while (!a->disconnected && now_s() < until) xmpp_run_once(a->ctx, 20);
  puts(a->disconnected ? "CLOSED" : "CLOSED timeout");
  fflush(stdout);
  return RC_OK;
}

// ---------------------------------------------------------------------------------------------
// command line

static void usage(FILE* f) {
  fputs(
      "usage: vapush-testclient COMMAND --jid USER@DOMAIN --password PW [options]\n"
      "\n"
      "connection options (any command):\n"
      "  --host H (127.0.0.1)  --port N (5222)  --resource R  --timeout SEC (20)\n"
      "  --sm                  enable XEP-0198 stream management (implied by --then hibernate)\n"
      "  --show away|xa|dnd|chat  --status TEXT   for the initial presence\n"
      "  --no-presence         do not send an initial presence (default for: presence)\n"
      "  --stay-online SEC     after the command, stay connected SEC seconds (SIGTERM ends early)\n"
      "  --then close|hibernate|stay SEC   how to end (default close: </stream:stream>)\n"
      "  --unacked             hibernate without first acking (XEP-0198 <a/>) what was received\n"
      "  --debug               libstrophe debug log on stderr, SENT lines on stdout\n"
      "\n"
      "commands:\n"
      "  enable --push-jid J --node N [--secret S] [--option VAR=VALUE]...   XEP-0357 enable\n"
      "  disable --push-jid J [--node N]                                   XEP-0357 disable\n"
      "  send (--to J [--body T] [--id I] [--type T] [--markable] [--request-receipt]\n"
      "        [--displayed MSGID] [--received MSGID])...   each --to starts a new message;\n"
      "        ends after a ping round-trip (so the server has routed them)\n"
      "  presence [--seq available,away,xa,dnd,chat,unavailable] [--status TEXT]\n"
      "  command --to J --node N [--field VAR=VALUE]... [--oneshot] [--submit-action A|none]\n"
      "  disco-info [--to J] [--node N]      disco-items [--to J] [--node N]\n"
      "  iq --xml '<iq type=\"get\" to=\"...\">...</iq>'\n"
      "  online                              log in, send presence, stay (--stay-online, default "
      "600)\n"
      "\n"
      "output lines: CONNECTED jid=J | SM enabled id=I resume=R | RECV <xml> | SENT ... |\n"
      "  PRESENCE S | STATUS executing | FIELD var=value | IDENTITY ... | FEATURE var | ITEM ... "
      "|\n"
      "  NOTE type=T text | READY | STAY secs | HIBERNATED | CLOSED | RESULT ok ... |\n"
      "  RESULT error CONDITION | ERROR message\n"
      "exit: 0 ok, 1 failure/timeout, 2 usage, 3 IQ error reply\n",
      f);
}

static int parse_kv(const char* s, kv_t* out) {
  const char* eq = strchr(s, '=');
  if (!eq || eq == s) return -1;
  char* var = strfmt("%.*s", (int)(eq - s), s);
  out->var = var;  // freed in free_opts()
  out->value = eq + 1;
  return 0;
}

static void free_opts(opts_t* o) {
  for (int i = 0; i < o->n_options; ++i) free((char*)o->options[i].var);
  for (int i = 0; i < o->n_fields; ++i) free((char*)o->fields[i].var);
}

static int is_number(const char* s) {
  if (!s || !*s) return 0;
  char* end = NULL;
  errno = 0;
  strtod(s, &end);
  return errno == 0 && end && *end == '\0';
}

static int parse_args(int argc, char** argv, opts_t* o) {
  memset(o, 0, sizeof *o);
  o->host = "127.0.0.1";
  o->port = 5222;
  o->timeout = 20.0;
  o->then = "close";
  o->stay_online = -1;
  for (int i = 1; i < argc; ++i) {
    const char* k = argv[i];
    const char* v = (i + 1 < argc) ? argv[i + 1] : NULL;
#define NEED_VAL()                                     \
  do {                                                 \
    if (!v) {                                          \
      fprintf(stderr, "option %s needs a value\n", k); \
      return -1;                                       \
    }                                                  \
    ++i;                                               \
  } while (0)
    msg_spec_t* m = o->n_msgs > 0 ? &o->msgs[o->n_msgs - 1] : NULL;
    if (k[0] != '-' && !o->cmd) {
      o->cmd = k;
    } else if (streq(k, "--help") || streq(k, "-h")) {
      usage(stdout);
      exit(RC_OK);
    } else if (streq(k, "--jid")) {
      NEED_VAL();
      o->jid = v;
    } else if (streq(k, "--password")) {
      NEED_VAL();
      o->password = v;
    } else if (streq(k, "--host")) {
      NEED_VAL();
      o->host = v;
    } else if (streq(k, "--port")) {
      NEED_VAL();
      long p = strtol(v, NULL, 10);
      if (p <= 0 || p > 65535) {
        fprintf(stderr, "bad port %s\n", v);
        return -1;
      }
      o->port = (unsigned short)p;
    } else if (streq(k, "--resource")) {
      NEED_VAL();
      o->resource = v;
    } else if (streq(k, "--timeout")) {
      NEED_VAL();
      o->timeout = strtod(v, NULL);
      if (o->timeout <= 0) {
        fprintf(stderr, "bad timeout %s\n", v);
        return -1;
      }
    } else if (streq(k, "--sm")) {
      o->sm = 1;
    } else if (streq(k, "--show")) {
      NEED_VAL();
      o->show = v;
    } else if (streq(k, "--status")) {
      NEED_VAL();
      o->status = v;
    } else if (streq(k, "--no-presence")) {
      o->no_presence = 1;
    } else if (streq(k, "--unacked")) {
      o->unacked = 1;
    } else if (streq(k, "--debug")) {
      o->debug = 1;
    } else if (streq(k, "--stay-online") || streq(k, "--for")) {
      NEED_VAL();
      if (!is_number(v)) {
        fprintf(stderr, "%s needs seconds\n", k);
        return -1;
      }
      o->stay_online = strtod(v, NULL);
    } else if (streq(k, "--then")) {
      NEED_VAL();
      o->then = v;
      if (streq(v, "stay")) {
        if (i + 1 < argc && is_number(argv[i + 1])) {
          o->stay_online = strtod(argv[++i], NULL);
        } else {
          fprintf(stderr, "--then stay needs seconds\n");
          return -1;
        }
      } else if (!streq(v, "close") && !streq(v, "hibernate")) {
        fprintf(stderr, "--then must be close, hibernate or stay SEC\n");
        return -1;
      }
    } else if (streq(k, "--push-jid")) {
      NEED_VAL();
      o->push_jid = v;
    } else if (streq(k, "--node")) {
      NEED_VAL();
      o->node = v;
    } else if (streq(k, "--secret")) {
      NEED_VAL();
      o->secret = v;
    } else if (streq(k, "--option") || streq(k, "--field")) {
      NEED_VAL();
      int opt = streq(k, "--option");
      int* n = opt ? &o->n_options : &o->n_fields;
      kv_t* arr = opt ? o->options : o->fields;
      if (*n >= MAX_ITEMS || parse_kv(v, &arr[*n]) != 0) {
        fprintf(stderr, "bad %s %s (VAR=VALUE, at most %d)\n", k, v, MAX_ITEMS);
        return -1;
      }
      ++*n;
    } else if (streq(k, "--to")) {
      NEED_VAL();
      o->to = v;
      if (o->n_msgs >= MAX_ITEMS) {
        fprintf(stderr, "too many messages\n");
        return -1;
      }
      o->msgs[o->n_msgs++].to = v;
    } else if (streq(k, "--body") || streq(k, "--id") || streq(k, "--type") ||
               streq(k, "--displayed") || streq(k, "--received")) {
      NEED_VAL();
      if (!m) {
        fprintf(stderr, "%s must follow --to\n", k);
        return -1;
      }
      if (streq(k, "--body")) m->body = v;
      if (streq(k, "--id")) m->id = v;
      if (streq(k, "--type")) m->type = v;
      if (streq(k, "--displayed")) m->displayed = v;
      if (streq(k, "--received")) m->received = v;
    } else if (streq(k, "--markable") || streq(k, "--request-receipt")) {
      if (!m) {
        fprintf(stderr, "%s must follow --to\n", k);
        return -1;
      }
      if (streq(k, "--markable"))
        m->markable = 1;
      else
        m->request_receipt = 1;
    } else if (streq(k, "--seq")) {
      NEED_VAL();
      o->seq = v;
    } else if (streq(k, "--oneshot")) {
      o->oneshot = 1;
    } else if (streq(k, "--submit-action")) {
      NEED_VAL();
      o->submit_action = v;
    } else if (streq(k, "--xml")) {
      NEED_VAL();
      o->xml = v;
    } else {
      fprintf(stderr, "unknown argument %s\n", k);
      return -1;
    }
#undef NEED_VAL
  }
  if (!o->cmd) {
    fprintf(stderr, "missing COMMAND\n");
    return -1;
  }
  if (!o->jid || !o->password) {
    fprintf(stderr, "--jid and --password are required\n");
    return -1;
  }
  if (!strchr(o->jid, '@') || strchr(o->jid, '/')) {
    fprintf(stderr, "--jid must be a bare JID user@domain (use --resource)\n");
    return -1;
  }
  const char* c = o->cmd;
  if (streq(c, "enable") && (!o->push_jid || !o->node)) {
    fprintf(stderr, "enable needs --push-jid and --node\n");
    return -1;
  }
  if (streq(c, "disable") && !o->push_jid) {
    fprintf(stderr, "disable needs --push-jid\n");
    return -1;
  }
  if (streq(c, "send") && o->n_msgs == 0) {
    fprintf(stderr, "send needs at least one --to\n");
    return -1;
  }
  if (streq(c, "command") && (!o->to || !o->node)) {
    fprintf(stderr, "command needs --to and --node\n");
    return -1;
  }
  if (streq(c, "iq") && !o->xml) {
    fprintf(stderr, "iq needs --xml\n");
    return -1;
  }
  if (!streq(c, "enable") && !streq(c, "disable") && !streq(c, "send") && !streq(c, "presence") &&
      !streq(c, "command") && !streq(c, "disco-info") && !streq(c, "disco-items") &&
      !streq(c, "iq") && !streq(c, "online")) {
    fprintf(stderr, "unknown command %s\n", c);
    return -1;
  }
  if (streq(o->then, "hibernate")) o->sm = 1;
  if (streq(c, "online") && o->stay_online < 0) o->stay_online = 600;
  return 0;
}

int main(int argc, char** argv) {
  opts_t o;
  if (parse_args(argc, argv, &o) != 0) {
    usage(stderr);
    free_opts(&o);
    return RC_USAGE;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  app_t a;
  memset(&a, 0, sizeof a);
  a.o = &o;
  a.fd = -1;
  g_app = &a;
  const char* at = strchr(o.jid, '@');
  snprintf(a.domain, sizeof a.domain, "%s", at + 1);

  int rc = RC_FAIL;
  xmpp_initialize();
  a.ctx = xmpp_ctx_new(NULL, o.debug ? xmpp_get_default_logger(XMPP_LEVEL_DEBUG) : NULL);
  if (!a.ctx) {
    puts("ERROR xmpp_ctx_new failed");
    goto shutdown;
  }
  a.conn = xmpp_conn_new(a.ctx);
  if (!a.conn) {
    puts("ERROR xmpp_conn_new failed");
    goto free_ctx;
  }
  long flags = XMPP_CONN_FLAG_DISABLE_TLS;
  if (!o.sm) flags |= XMPP_CONN_FLAG_DISABLE_SM;
  if (xmpp_conn_set_flags(a.conn, flags) != XMPP_EOK) {
    puts("ERROR xmpp_conn_set_flags failed");
    goto free_conn;
  }
  char* full = o.resource ? strfmt("%s/%s", o.jid, o.resource) : strfmt("%s", o.jid);
  xmpp_conn_set_jid(a.conn, full);
  free(full);
  xmpp_conn_set_pass(a.conn, o.password);
  xmpp_conn_set_sockopt_callback(a.conn, sockopt_capture);
  xmpp_handler_add(a.conn, stanza_handler, NULL, NULL, NULL, &a);

  double deadline = now_s() + o.timeout;
  if (xmpp_connect_client(a.conn, o.host, o.port, conn_handler, &a) != XMPP_EOK) {
    printf("ERROR cannot connect to %s:%u\n", o.host, o.port);
    goto free_conn;
  }
  int w = pump_until(&a, &a.connected, deadline);
  if (w != 0) {
    if (a.conn_error)
      puts(
          "ERROR login failed: disconnected before the session was established (connection "
          "refused, authentication failure or stream error, see DISCONNECTED)");
    else
      printf("ERROR login failed (%s)\n", wait_err(w));
    goto free_conn;
  }
  if (o.sm) {
    // <enabled/> or <failed/> follows bind; wait for one of them.
    while (!a.sm_enabled && !a.sm_failed && !a.disconnected && !g_stop && now_s() < deadline)
      xmpp_run_once(a.ctx, 20);
    if (!a.sm_enabled) {
      puts("ERROR stream management was not enabled");
      goto disconnect;
    }
  }
  if (!o.no_presence && !streq(o.cmd, "presence")) send_presence(&a, o.show, o.status, 0);

  if (streq(o.cmd, "enable"))
    rc = act_enable(&a, deadline);
  else if (streq(o.cmd, "disable"))
    rc = act_disable(&a, deadline);
  else if (streq(o.cmd, "send"))
    rc = act_send(&a, deadline);
  else if (streq(o.cmd, "presence"))
    rc = act_presence(&a, deadline);
  else if (streq(o.cmd, "command"))
    rc = act_command(&a, deadline);
  else if (streq(o.cmd, "disco-info"))
    rc = act_disco(&a, deadline, 0);
  else if (streq(o.cmd, "disco-items"))
    rc = act_disco(&a, deadline, 1);
  else if (streq(o.cmd, "iq"))
    rc = act_iq(&a, deadline);
  else {  // online
    rc = ping_roundtrip(&a, deadline) == 0 ? RC_OK : RC_FAIL;
    if (rc == RC_OK) puts("RESULT ok");
  }
  if (rc == RC_FAIL && a.disconnected) goto free_conn;
  if (rc != RC_FAIL && !streq(o.cmd, "send") && !streq(o.cmd, "presence") &&
      !streq(o.cmd, "online")) {
    // make sure everything we sent was processed before ending
    if (ping_roundtrip(&a, deadline) != 0 && rc == RC_OK) rc = RC_FAIL;
  }
  puts("READY");
  fflush(stdout);
  if (o.stay_online > 0 && !a.disconnected) {
    int s = stay(&a, o.stay_online);
    if (s != RC_OK && rc == RC_OK) rc = s;
  }
  if (streq(o.then, "hibernate") && !a.disconnected) {
    int h = hibernate(&a);
    if (h != RC_OK && rc == RC_OK) rc = h;
    goto free_conn;
  }
disconnect:
  close_clean(&a);
free_conn:
  if (a.reply) xmpp_stanza_release(a.reply);
  xmpp_conn_release(a.conn);
free_ctx:
  xmpp_ctx_free(a.ctx);
shutdown:
  xmpp_shutdown();
  free_opts(&o);
  fflush(stdout);
  return rc;
}
