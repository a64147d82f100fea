#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "http/status_page.h"

using namespace dnsprop;

namespace {

std::size_t count(std::string_view text, std::string_view part) {
  std::size_t n = 0;
  for (auto pos = text.find(part); pos != std::string_view::npos; pos = text.find(part, pos + 1)) ++n;
  return n;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// The page without the contents of its <script> and <style> elements: the markup.
std::string markupOnly(std::string_view page) {
  std::string out(page);
  for (auto [open, close] : {std::pair{"<script>", "</script>"}, std::pair{"<style>", "</style>"}}) {
    const auto b = out.find(open);
    const auto e = out.find(close);
    if (b != std::string::npos && e != std::string::npos && e > b) {
      out.erase(b + std::string_view(open).size(), e - b - std::string_view(open).size());
    }
  }
  return out;
}

std::string_view scriptOf(std::string_view page) {
  const auto b = page.find("<script>") + 8;
  return page.substr(b, page.find("</script>") - b);
}

std::string readFixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(DNSPROP_SOURCE_DIR) / "tests/data/status" / name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string header(const WebServer::Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(status_page)

BOOST_AUTO_TEST_CASE(page_is_one_html5_document_with_the_expected_elements) {
  const std::string_view page = statusPageHtml();
  BOOST_TEST(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
  BOOST_TEST(page.ends_with("</html>\n"));
  BOOST_TEST(contains(page, "<meta charset=\"utf-8\">"));
  BOOST_TEST(contains(page, "<meta name=\"viewport\""));
  BOOST_TEST(contains(page, "<title>dnsprop status</title>"));
  for (const char* id : {"id=\"meta\"", "id=\"fetch\"", "id=\"fetch-text\"", "id=\"refresh\"",
                         "id=\"migrations\""}) {
    BOOST_TEST(count(page, id) == 1u, id);
  }
  BOOST_TEST(contains(page, "<main id=\"migrations\" aria-label=\"Migrations\">"));
  BOOST_TEST(contains(page, "role=\"status\" aria-live=\"polite\""));
  BOOST_TEST(contains(page, "<noscript>"));
  // Exactly one inline script and one stylesheet: the CSP hashes cover exactly these.
  BOOST_TEST(count(page, "<script") == 1u);
  BOOST_TEST(count(page, "</script>") == 1u);
  BOOST_TEST(count(page, "<style") == 1u);
  BOOST_TEST(count(page, "</style>") == 1u);
}

BOOST_AUTO_TEST_CASE(markup_tags_are_balanced) {
  const std::string markup = markupOnly(statusPageHtml());
  for (const char* tag : {"html", "head", "body", "div", "header", "main", "footer", "p", "span",
                          "noscript", "h1", "style", "script", "title", "button"}) {
    const std::string open = std::string("<") + tag;
    std::size_t opens = count(markup, open + ">") + count(markup, open + " ");
    BOOST_TEST(opens == count(markup, std::string("</") + tag + ">"), tag);
  }
}

BOOST_AUTO_TEST_CASE(page_loads_nothing_from_elsewhere) {
  const std::string_view page = statusPageHtml();
  // The only absolute URL is the SVG namespace name, which is never fetched.
  BOOST_TEST(count(page, "http://") == 1u);
  BOOST_TEST(contains(page, "'http://www.w3.org/2000/svg'"));
  BOOST_TEST(!contains(page, "https://"));
  BOOST_TEST(!contains(page, "src="));
  BOOST_TEST(!contains(page, "@import"));
  BOOST_TEST(!contains(page, "url("));
  // status.json relative to the page, so a path prefix added by a proxy keeps working.
  BOOST_TEST(contains(page, "fetch('status.json'"));
  BOOST_TEST(!contains(page, "'/status.json'"));
  BOOST_TEST(contains(page, "href=\"status.json\""));
}

BOOST_AUTO_TEST_CASE(script_builds_the_dom_from_text_never_from_markup) {
  const std::string_view script = scriptOf(statusPageHtml());
  for (const char* sink : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                           "eval(", "new Function", "setAttribute('on", "srcdoc"}) {
    BOOST_TEST(!contains(script, sink), sink);
  }
  BOOST_TEST(contains(script, "'use strict'"));
  BOOST_TEST(contains(script, "document.createTextNode"));
  // The CSP blocks style attributes in markup; styles go through CSSOM only.
  BOOST_TEST(!contains(script, "setAttribute('style'"));
  BOOST_TEST(!contains(markupOnly(statusPageHtml()), " style="));
  BOOST_TEST(!contains(markupOnly(statusPageHtml()), " onclick="));
}

BOOST_AUTO_TEST_CASE(policy_allows_only_the_inline_script_and_style_by_hash) {
  const std::string policy(statusPageContentSecurityPolicy());
  BOOST_TEST(policy.starts_with("default-src 'none'; "), policy);
  const std::regex shape(
      "default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]{43}='; "
      "style-src 'sha256-[A-Za-z0-9+/]{43}='; connect-src 'self'; img-src data:; "
      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  BOOST_TEST(std::regex_match(policy, shape), policy);
  BOOST_TEST(!contains(policy, "unsafe"));
  // Computed once: the same text every time.
  BOOST_TEST(statusPageContentSecurityPolicy().data() == statusPageContentSecurityPolicy().data());
}

BOOST_AUTO_TEST_CASE(page_response_carries_html_policy_and_no_cache) {
  const auto r = statusPageResponse();
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.content_type == "text/html; charset=utf-8");
  BOOST_TEST(r.body == std::string(statusPageHtml()));
  BOOST_TEST(header(r, "Content-Security-Policy") == std::string(statusPageContentSecurityPolicy()));
  BOOST_TEST(header(r, "Cache-Control") == "no-cache");
  BOOST_TEST(header(r, "Referrer-Policy") == "no-referrer");
}

BOOST_AUTO_TEST_CASE(json_response_passes_the_document_through) {
  const auto r = statusJsonResponse("{\"migrations\":[]}");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.content_type == "application/json");
  BOOST_TEST(r.body == "{\"migrations\":[]}");
  BOOST_TEST(header(r, "Cache-Control") == "no-store");
}

BOOST_AUTO_TEST_CASE(empty_document_is_503_with_a_json_error) {
  const auto r = statusJsonResponse("");
  BOOST_TEST(r.status == 503);
  BOOST_TEST(r.content_type == "application/json");
  const auto j = nlohmann::json::parse(r.body);
  BOOST_TEST(j.at("error").get<std::string>() == "no status yet: the first round has not completed");
}

// The fixtures the browser test serves follow the documented contract (docs/STATUS-PAGE.md).
BOOST_AUTO_TEST_CASE(fixtures_are_json_documents_of_the_contract) {
  const auto doc = nlohmann::json::parse(readFixture("not_yet.json"));
  for (const char* key : {"generated_at", "vantage", "rounds", "interval_seconds", "migrations", "resolvers"}) {
    BOOST_TEST(doc.contains(key), key);
  }
  const auto& m = doc.at("migrations").at(0);
  for (const char* key : {"domain", "verdict", "truth", "switch_seen", "targets", "history"}) {
    BOOST_TEST(m.contains(key), key);
  }
  BOOST_TEST(m.at("verdict").at("status").get<std::string>() == "NOT_YET");
  BOOST_TEST(m.at("history").size() > 10u);
  const auto empty = nlohmann::json::parse(readFixture("empty.json"));
  BOOST_TEST(empty.at("migrations").empty());
  BOOST_CHECK_NO_THROW(nlohmann::json::parse(readFixture("malformed.json")));
}

BOOST_AUTO_TEST_SUITE_END()
