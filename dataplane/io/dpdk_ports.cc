#include "dataplane/io/dpdk_ports.h"

#include <rte_errno.h>
#include <rte_ethdev.h>

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <vector>

namespace pw::dp {

std::string port_name(const std::string& device) { return device.substr(0, device.find(',')); }

bool is_pci(const std::string& d) {
  return d.size() >= 7 && d.find(':') != std::string::npos && d.find('.') != std::string::npos &&
         d.find('_') == std::string::npos;
}

bool find_port(DpdkPort& p, std::string* err) {
  if (rte_eth_dev_get_port_by_name(port_name(p.device).c_str(), &p.id) == 0) return true;
  p.id = UINT16_MAX;
  *err = std::string("no DPDK port for the ") + p.role + " device '" + p.device +
         "' (not probed by the EAL: check the vdev string or that the NIC is bound to DPDK)";
  return false;
}

bool rss_capable(uint16_t port, unsigned queues, std::string* why) {
  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(port, &info) != 0) {
    *why = "no device information";
    return false;
  }
  if (info.max_rx_queues < queues || info.max_tx_queues < queues) {
    *why = std::string(info.driver_name) + " has " + std::to_string(info.max_rx_queues) + " RX / " +
           std::to_string(info.max_tx_queues) + " TX queues";
    return false;
  }
  if ((info.flow_type_rss_offloads & (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_IPV6)) !=
          (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_IPV6) ||
      info.hash_key_size == 0) {
    *why = std::string(info.driver_name) + " has no RSS over IP addresses";
    return false;
  }
  return true;
}

bool start_port(DpdkPort& p, rte_mempool* pool, uint16_t rx_desc, uint16_t tx_desc, bool rss,
                std::string* err) {
  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(p.id, &info) != 0) {
    *err = "cannot read device information of " + p.device;
    return false;
  }
  rte_eth_conf conf{};
  std::vector<uint8_t> key;
  if (rss && p.rx_queues > 1) {
    // A Toeplitz key of repeated 0x6d5a gives the same hash with source and destination
    // swapped (symmetric RSS). Only the IP addresses are hashed: fragments and FTP data
    // connections follow their flow.
    key.resize(info.hash_key_size ? info.hash_key_size : 40);
    for (size_t i = 0; i < key.size(); ++i) key[i] = i % 2 ? 0x5a : 0x6d;
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_key = key.data();
    conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<uint8_t>(key.size());
    conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_IPV6) & info.flow_type_rss_offloads;
  }
  if (info.dev_flags && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC)) conf.intr_conf.lsc = 1;
  int rc = rte_eth_dev_configure(p.id, p.rx_queues, p.tx_queues, &conf);
  if (rc != 0) {
    *err = "cannot configure " + p.device + " with " + std::to_string(p.rx_queues) + " RX / " +
           std::to_string(p.tx_queues) + " TX queues: " + rte_strerror(-rc);
    return false;
  }
  uint16_t nrx = rx_desc, ntx = tx_desc;
  rte_eth_dev_adjust_nb_rx_tx_desc(p.id, &nrx, &ntx);
  for (uint16_t q = 0; q < p.rx_queues; ++q)
    if ((rc = rte_eth_rx_queue_setup(p.id, q, nrx, static_cast<unsigned>(rte_eth_dev_socket_id(p.id)),
                                     nullptr, pool)) != 0) {
      *err = "cannot set up RX queue " + std::to_string(q) + " of " + p.device + ": " + rte_strerror(-rc);
      return false;
    }
  for (uint16_t q = 0; q < p.tx_queues; ++q)
    if ((rc = rte_eth_tx_queue_setup(p.id, q, ntx, static_cast<unsigned>(rte_eth_dev_socket_id(p.id)),
                                     nullptr)) != 0) {
      *err = "cannot set up TX queue " + std::to_string(q) + " of " + p.device + ": " + rte_strerror(-rc);
      return false;
    }
  if ((rc = rte_eth_dev_start(p.id)) != 0) {
    *err = "cannot start " + p.device + ": " + rte_strerror(-rc);
    return false;
  }
  rte_eth_promiscuous_enable(p.id);
  return true;
}

namespace {
// Vdevs on a kernel interface (af_packet, pcap: "iface=NAME") report the link they were started
// with; the kernel knows whether it still has a carrier.
std::optional<bool> kernel_carrier(const std::string& device) {
  size_t at = device.find("iface=");
  if (at == std::string::npos) return std::nullopt;
  std::string name = device.substr(at + 6, device.find(',', at) - (at + 6));
  if (name.empty() || name.size() >= IFNAMSIZ) return std::nullopt;
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  int rc = ::ioctl(fd, SIOCGIFFLAGS, &ifr);
  ::close(fd);
  if (rc != 0) return false;  // gone
  return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}
}  // namespace

std::string link_text(const DpdkPort& p) {
  rte_eth_link l{};
  if (rte_eth_link_get_nowait(p.id, &l) != 0) return "unknown";
  if (auto carrier = kernel_carrier(p.device); carrier && !*carrier) return "down";
  if (!l.link_status) return "down";
  std::string s = "up";
  if (l.link_speed != RTE_ETH_SPEED_NUM_NONE && l.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN)
    s.append(" ").append(std::to_string(l.link_speed)).append(" Mb/s");
  s += l.link_duplex ? " full-duplex" : " half-duplex";
  return s;
}

}  // namespace pw::dp
