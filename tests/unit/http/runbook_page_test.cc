#include <boost/test/unit_test.hpp>

#include <string>

#include "dnsprop/runbook_md.h"
#include "http/runbook_page.h"

using namespace dnsprop;

BOOST_AUTO_TEST_SUITE(runbook_page)

BOOST_AUTO_TEST_CASE(slugs_are_the_ones_github_gives) {
  BOOST_TEST(headingSlug("DnsPropParentStillOld") == "dnspropparentstillold");
  BOOST_TEST(headingSlug("F9: the old server (ghost)") == "f9-the-old-server-ghost");
  BOOST_TEST(headingSlug("dnsprop_store_errors_total rising") == "dnsprop_store_errors_total-rising");
  BOOST_TEST(headingSlug("移行 check") == "移行-check");
}

BOOST_AUTO_TEST_CASE(headings_get_anchors_and_markdown_becomes_html) {
  const std::string page = renderRunbook(
      "# Title\n\n### DnsPropRegressionToOld\n\nRun `dnsprop check`. See [F9](FAULTS.md#f9).\n\n"
      "- one\n- two\n\n```\n<script>x</script>\n```\n",
      "t <b>");
  BOOST_TEST(page.find("<title>t &lt;b&gt;</title>") != std::string::npos, page);
  BOOST_TEST(page.find("<h3><a id=\"dnspropregressiontoold\"></a>DnsPropRegressionToOld</h3>") != std::string::npos,
             page);
  BOOST_TEST(page.find("<code>dnsprop check</code>") != std::string::npos, page);
  BOOST_TEST(page.find("<a href=\"FAULTS.md#f9\">F9</a>") != std::string::npos, page);
  BOOST_TEST(page.find("<li>one</li>") != std::string::npos, page);
  // Code is text, never markup.
  BOOST_TEST(page.find("&lt;script&gt;x&lt;/script&gt;") != std::string::npos, page);
  BOOST_TEST(page.find("<script>") == std::string::npos, page);
}

// The compiled-in document is the current docs/TROUBLESHOOTING.md and has a runbook
// section for the alerts the rules link to.
BOOST_AUTO_TEST_CASE(the_compiled_in_runbooks_render_with_alert_anchors) {
  const std::string page = renderRunbook(build::kRunbookMarkdown, "dnsprop runbooks");
  BOOST_TEST(page.size() > 5000u);
  BOOST_TEST(page.find("id=\"dnspropverdictcritical\"") != std::string::npos);
  BOOST_TEST(page.find("id=\"dnspropsafetodecommission\"") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
