#include "policy/inspection_guard.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/config.h"
#include "policy/policy_model.h"

namespace pw::policy {
namespace {

// The enterprise office of the tests: the management group reaches the Remote UI over HTTPS.
const std::string kBase =
    "set profile enterprise\n"
    "set printer-network 198.18.20.0/24\n"
    "set group management address 198.18.40.0/24\n"
    "set group print-servers address 198.18.41.10\n"
    "set group mail-relay address 198.18.50.25\n";

std::shared_ptr<const CompiledPolicy> build(const std::string& text) {
  ParseResult r = parse_config(text, "t.conf");
  for (const auto& e : r.errors) ADD_FAILURE() << e.str();
  ModelResult m = build_model(r.config);
  for (const auto& e : m.errors) ADD_FAILURE() << e.str();
  return compile(m.model, 1);
}

std::vector<InspectionLoss> losses(const std::string& extra) {
  auto before = build(kBase);
  auto after = build(kBase + extra);
  return inspection_losses(*before, *after);
}

std::string all(const std::vector<InspectionLoss>& v) {
  std::string s;
  for (const auto& l : v) s += l.text + "\n";
  return s;
}

// A new, more specific service on the port of an inspected one, without its inspection.
TEST(InspectionGuard, ServiceShadowingAnInspectedOne) {
  auto v = losses(
      "set service ui-plain direction to-printers\n"
      "set service ui-plain protocol tcp\n"
      "set service ui-plain port 443\n"
      "set service ui-plain peer-group management\n"
      "set service ui-plain printer-group management\n"
      "set group management address 198.18.20.7/32\n");
  ASSERT_FALSE(v.empty());
  EXPECT_NE(all(v).find("tcp 443 to-printers"), std::string::npos) << all(v);
  EXPECT_NE(all(v).find("remote-ui-management (inspect tls"), std::string::npos) << all(v);
  EXPECT_NE(all(v).find("ui-plain (inspect none)"), std::string::npos) << all(v);
  // An exact clone without the inspection does not even build (two services claim the port).
}

TEST(InspectionGuard, InspectNoneOrAnotherInspector) {
  EXPECT_FALSE(losses("set service remote-ui-management inspect none\n"
                      "delete service remote-ui-management tls\n"
                      "delete service remote-ui-management min-tls\n").empty());
  EXPECT_FALSE(losses("set service mail-smtp inspect http\n"
                      "delete service mail-smtp tls\n").empty());
}

// Closing an inspected service by its action (its inspector then moot) loses no inspection:
// an admin may do it.
TEST(InspectionGuard, DenyingAnInspectedServiceIsNoLoss) {
  EXPECT_TRUE(losses("set service remote-ui-management action deny\n").empty());
  EXPECT_TRUE(losses("set service mail-smtp action reject\n").empty());
}

// Same inspector, weaker settings through a new service that takes the defaults.
TEST(InspectionGuard, SameInspectorOtherSettings) {
  auto before = build(kBase + "set service remote-ui-management min-tls 1.3\n");
  auto after = build(kBase + "set service remote-ui-management min-tls 1.3\n"
                             "set service ui-default direction to-printers\n"
                             "set service ui-default protocol tcp\n"
                             "set service ui-default port 443\n"
                             "set service ui-default peer-group management\n"
                             "set service ui-default printer-group management\n"
                             "set service ui-default inspect tls\n"
                             "set group management address 198.18.20.0/24\n");
  EXPECT_FALSE(inspection_losses(*before, *after).empty());
}

// Moving addresses into a group whose service on the port is not inspected.
TEST(InspectionGuard, AddressesMovedBetweenGroups) {
  // Port 8443: plain for the print servers, inspected TLS for the management group.
  const std::string services =
      "set service raw-job direction to-printers\n"
      "set service raw-job protocol tcp\n"
      "set service raw-job port 8443\n"
      "set service raw-job peer-group print-servers\n"
      "set service tls-job direction to-printers\n"
      "set service tls-job protocol tcp\n"
      "set service tls-job port 8443\n"
      "set service tls-job peer-group management\n"
      "set service tls-job inspect tls\n";
  auto before = build(kBase + services);
  auto after = build(kBase +
                     "set group print-servers address 198.18.40.0/24\n"
                     "delete group management address 198.18.40.0/24\n"
                     "set group management address 198.18.42.0/24\n" +
                     services);
  auto v = inspection_losses(*before, *after);
  ASSERT_FALSE(v.empty());
  EXPECT_NE(all(v).find("198.18.40.0"), std::string::npos) << all(v);
}

TEST(InspectionGuard, PrintersNoLongerPrintersWhileTransitIsForwarded) {
  auto before = build(kBase);
  auto after = build("set profile enterprise\n"
                     "set printer-network 198.18.21.0/24\n"
                     "set transit-action forward\n"
                     "set group management address 198.18.40.0/24\n");
  EXPECT_FALSE(inspection_losses(*before, *after).empty());
  auto dropped = build("set profile enterprise\nset printer-network 198.18.21.0/24\n"
                       "set group management address 198.18.40.0/24\n");
  EXPECT_TRUE(inspection_losses(*before, *dropped).empty());  // now transit: dropped
}

// Not losses: descriptions, opening traffic that was denied, denying inspected traffic,
// stronger settings.
TEST(InspectionGuard, WhatIsNotALoss) {
  EXPECT_TRUE(losses("set service remote-ui-management description \"bay 3\"\n").empty());
  EXPECT_TRUE(losses("set service raw-print action allow\nset service raw-print peer-group management\n").empty());
  EXPECT_TRUE(losses("set service extra direction to-printers\nset service extra protocol tcp\n"
                     "set service extra port 9999\n").empty());
  EXPECT_TRUE(losses("delete service remote-ui-management\n").empty());
  EXPECT_TRUE(losses("set service remote-ui-management action deny\n"
                     "delete service remote-ui-management inspect\n"
                     "delete service remote-ui-management tls\n"
                     "delete service remote-ui-management min-tls\n").empty());
}

}  // namespace
}  // namespace pw::policy
