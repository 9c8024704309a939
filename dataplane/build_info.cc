#include "dataplane/build_info.h"

#include <ndpi/ndpi_main.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <rte_version.h>

#include <boost/version.hpp>

namespace pw::dp {

std::vector<std::pair<std::string, std::string>> library_versions() {
  std::string boost = std::to_string(BOOST_VERSION / 100000) + "." +
                      std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                      std::to_string(BOOST_VERSION % 100);
  return {
      {"dpdk", rte_version()},
      {"ndpi", ndpi_revision()},
      {"openssl", OpenSSL_version(OPENSSL_VERSION)},
      {"libpcap", pcap_lib_version()},
      {"boost", boost},
  };
}

}  // namespace pw::dp
