// The runbooks (docs/TROUBLESHOOTING.md, compiled in) as one HTML page at /runbook, so the
// alert rules' runbook_url (built from dnsprop_web_info's external_url) points at the
// instance itself, whatever network it lives in.
//
// Every heading gets the id GitHub would give it (headingSlug()), so the same anchors
// work on the page and on the document in a repository: /runbook#dnsproppropagationstalled.
// Links to other documents ("FAULTS.md#f9") are left as written.
//
// Pure functions, thread-safe; renderRunbook() never throws (std::bad_alloc aside).
#pragma once

#include <string>
#include <string_view>

namespace dnsprop {

class WebServer;

// GitHub's heading anchor: lower case, spaces to '-', everything but letters, digits,
// '-' and '_' dropped ("DnsPropParentStillOld" -> "dnspropparentstillold").
std::string headingSlug(std::string_view heading_text);

// A complete HTML document for `markdown` (CommonMark), titled `title`, with heading ids.
// Raw HTML in the markdown is passed through: only trusted, compiled-in text is rendered.
std::string renderRunbook(std::string_view markdown, std::string_view title);

// GET /runbook: the compiled-in docs/TROUBLESHOOTING.md, rendered once.
void registerRunbookPage(WebServer& server);

}  // namespace dnsprop
