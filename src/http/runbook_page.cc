#include "http/runbook_page.h"

#include <cctype>
#include <cstdlib>
#include <memory>
#include <vector>

#include <cmark.h>

#include "dnsprop/runbook_md.h"
#include "http/web_server.h"

namespace dnsprop {
namespace {

struct NodeFree {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterFree {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};
using NodePtr = std::unique_ptr<cmark_node, NodeFree>;
using IterPtr = std::unique_ptr<cmark_iter, IterFree>;

// The plain text of a node's inline children (what the heading says).
std::string textOf(cmark_node* node) {
  std::string out;
  IterPtr it(cmark_iter_new(node));
  for (cmark_event_type ev; (ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE;) {
    cmark_node* n = cmark_iter_get_node(it.get());
    if (ev != CMARK_EVENT_ENTER) continue;
    const cmark_node_type t = cmark_node_get_type(n);
    if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE) {
      if (const char* lit = cmark_node_get_literal(n)) out += lit;
    }
  }
  return out;
}

std::string htmlEscapeText(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string headingSlug(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_') {
      out += static_cast<char>(std::tolower(c));
    } else if (c == ' ') {
      out += '-';
    } else if (c >= 0x80) {
      out += static_cast<char>(c);  // UTF-8 (e.g. Japanese) is kept, as GitHub does
    }
  }
  return out;
}

std::string renderRunbook(std::string_view markdown, std::string_view title) {
  NodePtr doc(cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT));
  std::string body;
  if (doc) {
    // Collect first: inserting while iterating would visit the inserted nodes.
    std::vector<cmark_node*> headings;
    {
      IterPtr it(cmark_iter_new(doc.get()));
      for (cmark_event_type ev; (ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE;) {
        cmark_node* n = cmark_iter_get_node(it.get());
        if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(n) == CMARK_NODE_HEADING) headings.push_back(n);
      }
    }
    for (cmark_node* h : headings) {
      cmark_node* anchor = cmark_node_new(CMARK_NODE_HTML_INLINE);
      const std::string html = "<a id=\"" + htmlEscapeText(headingSlug(textOf(h))) + "\"></a>";
      cmark_node_set_literal(anchor, html.c_str());
      if (!cmark_node_prepend_child(h, anchor)) cmark_node_free(anchor);
    }
    // UNSAFE keeps the anchors (and any HTML the document has): the text is ours.
    if (char* rendered = cmark_render_html(doc.get(), CMARK_OPT_UNSAFE)) {
      body = rendered;
      free(rendered);  // NOLINT: cmark allocates with the default allocator (malloc)
    }
  }
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      htmlEscapeText(title) +
      "</title>\n<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:1em auto;"
      "padding:0 1em;line-height:1.5}pre,code{background:#f4f4f4}pre{padding:.5em;overflow-x:auto}"
      ":target{background:#fff3bf}</style>\n</head>\n<body>\n"
      "<p><a href=\"/\">dnsprop</a> · <a href=\"/status\">status</a></p>\n";
  page += body;
  page += "</body>\n</html>\n";
  return page;
}

void registerRunbookPage(WebServer& server) {
  static const std::string page = renderRunbook(build::kRunbookMarkdown, "dnsprop runbooks");
  server.handle("/runbook", {"GET", "HEAD"}, [](const WebServer::Request&) {
    WebServer::Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = page;
    // Nothing runs on it: no scripts at all, the page's own style only.
    r.headers = {{"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"},
                 {"X-Content-Type-Options", "nosniff"}};
    return r;
  });
}

}  // namespace dnsprop
