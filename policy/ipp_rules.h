// The IPP inspector's administrator lists (`set ipp ...`) and the names they may name: every IPP
// operation the inspector knows (RFC 8011, PWG 5100.x, CUPS), which of them a printer's IPP
// service allows by default, and the document formats allowed by default. Header-only; seen by
// protocols/ through policy/inspector_config.h.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pw::policy {

namespace ipp {

struct Operation {
  uint16_t id;
  std::string_view name;  // as IANA registers it (case-insensitive in the configuration)
  bool allowed;           // allowed by default
};

// Default allowed: printing (Print-Job, Create-Job, Send-Document, Close-Job), validation, job
// and printer queries, and cancelling jobs. Everything that changes the printer, moves, holds
// or reprocesses jobs, makes the printer fetch a URI, registers subscriptions or output devices,
// and every CUPS administrative operation is denied. An operation code in no row is denied.
inline constexpr Operation kOperations[] = {
    {0x0002, "Print-Job", true},
    {0x0003, "Print-URI", false},
    {0x0004, "Validate-Job", true},
    {0x0005, "Create-Job", true},
    {0x0006, "Send-Document", true},
    {0x0007, "Send-URI", false},
    {0x0008, "Cancel-Job", true},
    {0x0009, "Get-Job-Attributes", true},
    {0x000A, "Get-Jobs", true},
    {0x000B, "Get-Printer-Attributes", true},
    {0x000C, "Hold-Job", false},
    {0x000D, "Release-Job", false},
    {0x000E, "Restart-Job", false},
    {0x0010, "Pause-Printer", false},
    {0x0011, "Resume-Printer", false},
    {0x0012, "Purge-Jobs", false},
    {0x0013, "Set-Printer-Attributes", false},
    {0x0014, "Set-Job-Attributes", false},
    {0x0015, "Get-Printer-Supported-Values", true},
    {0x0016, "Create-Printer-Subscriptions", false},
    {0x0017, "Create-Job-Subscriptions", false},
    {0x0018, "Get-Subscription-Attributes", false},
    {0x0019, "Get-Subscriptions", false},
    {0x001A, "Renew-Subscription", false},
    {0x001B, "Cancel-Subscription", false},
    {0x001C, "Get-Notifications", false},
    {0x0022, "Enable-Printer", false},
    {0x0023, "Disable-Printer", false},
    {0x0024, "Pause-Printer-After-Current-Job", false},
    {0x0025, "Hold-New-Jobs", false},
    {0x0026, "Release-Held-New-Jobs", false},
    {0x0027, "Deactivate-Printer", false},
    {0x0028, "Activate-Printer", false},
    {0x0029, "Restart-Printer", false},
    {0x002A, "Shutdown-Printer", false},
    {0x002B, "Startup-Printer", false},
    {0x002C, "Reprocess-Job", false},
    {0x002D, "Cancel-Current-Job", false},
    {0x002E, "Suspend-Current-Job", false},
    {0x002F, "Resume-Job", false},
    {0x0030, "Promote-Job", false},
    {0x0031, "Schedule-Job-After", false},
    {0x0033, "Cancel-Document", true},
    {0x0034, "Get-Document-Attributes", true},
    {0x0035, "Get-Documents", true},
    {0x0037, "Set-Document-Attributes", false},
    {0x0038, "Cancel-Jobs", false},
    {0x0039, "Cancel-My-Jobs", true},
    {0x003A, "Resubmit-Job", false},
    {0x003B, "Close-Job", true},
    {0x003C, "Identify-Printer", false},
    {0x003D, "Validate-Document", true},
    {0x003E, "Add-Document-Images", false},
    {0x003F, "Acknowledge-Document", false},
    {0x0040, "Acknowledge-Identify-Printer", false},
    {0x0041, "Acknowledge-Job", false},
    {0x0042, "Fetch-Document", false},
    {0x0043, "Fetch-Job", false},
    {0x0044, "Get-Output-Device-Attributes", false},
    {0x0045, "Update-Active-Jobs", false},
    {0x0046, "Deregister-Output-Device", false},
    {0x0047, "Update-Document-Status", false},
    {0x0048, "Update-Job-Status", false},
    {0x0049, "Update-Output-Device-Attributes", false},
    {0x004A, "Get-Next-Document-Data", false},
    {0x004B, "Allocate-Printer-Resources", false},
    {0x004C, "Create-Printer", false},
    {0x004D, "Deallocate-Printer-Resources", false},
    {0x004E, "Delete-Printer", false},
    {0x004F, "Get-Printers", false},
    {0x0050, "Shutdown-One-Printer", false},
    {0x0051, "Startup-One-Printer", false},
    {0x0052, "Cancel-Resource", false},
    {0x0053, "Create-Resource", false},
    {0x0054, "Install-Resource", false},
    {0x0055, "Send-Resource-Data", false},
    {0x0056, "Set-Resource-Attributes", false},
    {0x0057, "Create-Resource-Subscriptions", false},
    {0x0058, "Create-System-Subscriptions", false},
    {0x0059, "Disable-All-Printers", false},
    {0x005A, "Enable-All-Printers", false},
    {0x005B, "Get-System-Attributes", false},
    {0x005C, "Get-System-Supported-Values", false},
    {0x005D, "Pause-All-Printers", false},
    {0x005E, "Pause-All-Printers-After-Current-Job", false},
    {0x005F, "Register-Output-Device", false},
    {0x0060, "Restart-System", false},
    {0x0061, "Resume-All-Printers", false},
    {0x0062, "Set-System-Attributes", false},
    {0x0063, "Shutdown-All-Printers", false},
    {0x0064, "Startup-All-Printers", false},
    {0x0065, "Get-Printer-Resources", false},
    {0x0066, "Get-User-Printer-Attributes", false},
    {0x0067, "Restart-One-Printer", false},
    {0x4001, "CUPS-Get-Default", false},
    {0x4002, "CUPS-Get-Printers", false},
    {0x4003, "CUPS-Add-Modify-Printer", false},
    {0x4004, "CUPS-Delete-Printer", false},
    {0x4005, "CUPS-Get-Classes", false},
    {0x4006, "CUPS-Add-Modify-Class", false},
    {0x4007, "CUPS-Delete-Class", false},
    {0x4008, "CUPS-Accept-Jobs", false},
    {0x4009, "CUPS-Reject-Jobs", false},
    {0x400A, "CUPS-Set-Default", false},
    {0x400B, "CUPS-Get-Devices", false},
    {0x400C, "CUPS-Get-PPDs", false},
    {0x400D, "CUPS-Move-Job", false},
    {0x400E, "CUPS-Authenticate-Job", false},
    {0x400F, "CUPS-Get-PPD", false},
    {0x4027, "CUPS-Get-Document", false},
    {0x4028, "CUPS-Create-Local-Printer", false},
};

// The slot of an operation code in IppRules::ops: standard codes 0x0000-0x007F, CUPS codes
// 0x4000-0x407F; kNoSlot for every other code (always denied).
inline constexpr size_t kSlots = 256;
inline constexpr size_t kNoSlot = kSlots;
constexpr size_t slot(uint16_t op) {
  if (op < 0x80) return op;
  if (op >= 0x4000 && op < 0x4080) return 0x80 + (op - 0x4000);
  return kNoSlot;
}

inline const Operation* find_operation(std::string_view name) {
  for (const Operation& o : kOperations) {
    if (o.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      auto low = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
      same = low(o.name[i]) == low(name[i]);
    }
    if (same) return &o;
  }
  return nullptr;
}
inline const Operation* find_operation(uint16_t id) {
  for (const Operation& o : kOperations)
    if (o.id == id) return &o;
  return nullptr;
}

// Document formats (document-format, a MIME media type) allowed by default: the page description
// languages the job-language inspector reads (PDF, PostScript, PCL 5, PCL XL, text), the raster
// formats of driverless printing (PWG raster, Apple raster, PCLm, JPEG) and auto-sensing
// (application/octet-stream, read by the job-language inspector like a RAW job). Lower case,
// sorted. Denied by default: everything else, for example application/vnd.cups-command (printer
// maintenance commands) and application/vnd.cups-postscript.
inline constexpr std::string_view kDefaultFormats[] = {
    "application/octet-stream", "application/pclm",       "application/pdf",
    "application/postscript",   "application/vnd.hp-pcl", "application/vnd.hp-pclxl",
    "image/jpeg",               "image/pwg-raster",       "image/urf",
    "text/plain",
};

}  // namespace ipp

// The IPP inspector's verdict tables (`set ipp ...` on top of the defaults above). Built when the
// policy compiles; read-only on the fast path.
struct IppRules {
  std::array<bool, ipp::kSlots> ops{};   // by ipp::slot(): the operation is allowed
  std::vector<std::string> formats;      // allowed document formats, lower case, sorted

  IppRules() {
    for (const ipp::Operation& o : ipp::kOperations) ops[ipp::slot(o.id)] = o.allowed;
    formats.assign(std::begin(ipp::kDefaultFormats), std::end(ipp::kDefaultFormats));
  }
  bool allows(uint16_t op) const {
    const size_t s = ipp::slot(op);
    return s != ipp::kNoSlot && ops[s];
  }
  // `lower`: the format's type/subtype in lower case, without parameters.
  bool format_allowed(std::string_view lower) const {
    return std::binary_search(formats.begin(), formats.end(), lower,
                              [](std::string_view a, std::string_view b) { return a < b; });
  }
};

}  // namespace pw::policy
