#include "mgmt/printwall/build_info.h"

#include <ndpi/ndpi_main.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <rte_version.h>  // macros only: printwall links no DPDK library

#include <boost/version.hpp>

namespace pw::mgmt {

std::vector<std::pair<std::string, std::string>> library_versions() {
  std::string boost = std::to_string(BOOST_VERSION / 100000) + "." +
                      std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                      std::to_string(BOOST_VERSION % 100);
  // The version the headers were built with (rte_version() would need librte_eal).
  std::string dpdk = "DPDK " + std::to_string(RTE_VER_YEAR) + "." + std::to_string(RTE_VER_MONTH) +
                     "." + std::to_string(RTE_VER_MINOR) + RTE_VER_SUFFIX;
  return {
      {"dpdk", dpdk},
      {"ndpi", ndpi_revision()},
      {"openssl", OpenSSL_version(OPENSSL_VERSION)},
      {"libpcap", pcap_lib_version()},
      {"boost", boost},
  };
}

}  // namespace pw::mgmt
