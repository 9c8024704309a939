// The DPDK ports of printwalld, by role (outside, inside, optional mirror): finding them from
// the configured device strings, configuring their queues (with a symmetric RSS key when the
// workers share them by RSS), starting them, and link state.
#pragma once

#include <cstdint>
#include <string>

struct rte_mempool;

namespace pw::dp {

struct DpdkPort {
  const char* role = "";
  std::string device;  // PCI address or vdev string, as configured
  uint16_t id = UINT16_MAX;
  uint16_t rx_queues = 1, tx_queues = 1;
  bool present() const { return id != UINT16_MAX; }
};

// The port name DPDK gives a device string: the vdev name before its first comma, or the PCI
// address.
std::string port_name(const std::string& device);
bool is_pci(const std::string& device);

// Looks the port up by its device (must be probed by the EAL). False with the reason in `err`.
bool find_port(DpdkPort& p, std::string* err);

// Whether the port can give each of `queues` workers an RX and a TX queue with an RSS hash over
// the IP addresses (the driver reports RSS for IPv4 and IPv6 and enough queues).
bool rss_capable(uint16_t port, unsigned queues, std::string* why);

// Configures rx/tx queues (rx_desc/tx_desc descriptors) and starts the port in promiscuous
// mode. With `rss`, RX is spread by a symmetric Toeplitz key (0x6d5a repeated) over the IP
// addresses, so both directions of a flow land on the same queue index of either port.
bool start_port(DpdkPort& p, rte_mempool* pool, uint16_t rx_desc, uint16_t tx_desc, bool rss,
                std::string* err);

// "up 10000 Mb/s full-duplex" / "down"; for vdevs on a kernel interface (iface=) the kernel's
// carrier decides.
std::string link_text(const DpdkPort& p);

}  // namespace pw::dp
