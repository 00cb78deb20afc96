#include "sim/trace/node_list.h"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "sim/trace/csv.h"
#include "sim/trace/line_reader.h"

namespace burnrate {
namespace {

}  // namespace

std::string OpenbModelToGpuType(const std::string& model) {
  // G1/G2/G3 are undisclosed internal GPUs (SOURCE.md): kept as their own types. A10 is the
  // datacenter card AWS sells as A10G; both V100 memory sizes are the catalog's V100.
  static const auto* m = new std::map<std::string, std::string>{
      {"P100", "P100"}, {"T4", "T4"}, {"V100M16", "V100"}, {"V100M32", "V100"}, {"A10", "A10G"}};
  auto it = m->find(model);
  return it == m->end() ? model : it->second;
}

absl::StatusOr<NodeList> ReadOpenbNodes(const std::string& path) {
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  std::string_view line;
  CsvRow row;
  NodeList list;
  std::map<std::pair<std::string, uint32_t>, NodeGroup> groups;
  bool header = true;
  while (true) {
    auto got = (*lines)->Next(&line);
    if (!got.ok()) return got.status();
    if (!*got) break;
    if (Trim(line).empty()) continue;
    const int64_t n = (*lines)->line_number();
    if (!row.Parse(line)) return absl::InvalidArgumentError(fmt::format("{}:{}: {}", path, n, row.error()));
    if (header) {
      if (row.size() < 5 || row[0] != "sn" || row[3] != "gpu" || row[4] != "model") {
        return absl::InvalidArgumentError(fmt::format(
            "{}:{}: expected the header sn,cpu_milli,memory_mib,gpu,model", path, n));
      }
      header = false;
      continue;
    }
    double cpu = 0, mem = 0, gpus = 0;
    // Checked so the casts below are defined: from_chars reads "nan" and "inf" too.
    if (row.size() < 5 || !ParseDouble(row[1], &cpu) || !ParseDouble(row[2], &mem) ||
        !ParseDouble(row[3], &gpus) || !(gpus >= 0 && gpus <= 64) || gpus != std::floor(gpus) ||
        !(cpu >= 0 && cpu < 1e12) || !(mem >= 0 && mem < 1e15)) {
      return absl::InvalidArgumentError(fmt::format(
          "{}:{}: expected sn,cpu_milli (>= 0),memory_mib (>= 0),gpu (a whole number 0..64),model",
          path, n));
    }
    ++list.nodes;
    if (gpus == 0) continue;
    ++list.gpu_nodes;
    list.gpus += static_cast<uint64_t>(gpus);
    const std::string model(Trim(row[4]));
    auto [it, fresh] = groups.try_emplace({model, static_cast<uint32_t>(gpus)});
    NodeGroup& g = it->second;
    if (fresh) {
      g.model = model;
      g.gpu_type = OpenbModelToGpuType(model);
      g.known_type = g.gpu_type != model || model == "P100" || model == "T4";
      g.gpus_per_node = static_cast<uint32_t>(gpus);
      g.cpus_per_node = cpu / 1000;
      g.memory_gb_per_node = mem * 1.048576 / 1000;  // MiB -> GB
    }
    ++g.nodes;
  }
  for (auto& [key, g] : groups) list.groups.push_back(g);
  return list;
}

std::string NodeListYaml(const NodeList& list, const std::string& source) {
  std::string out = fmt::format(
      "# Pools from {} (`burnrate trace pools`): {} GPU nodes, {} GPUs ({} nodes in all).\n"
      "# Prices are 0: set each pool's pricing. Types marked below are not in the built-in\n"
      "# catalog: set their training_speed (relative to the reference GPU).\n"
      "cluster:\n",
      source, list.gpu_nodes, list.gpus, list.nodes);
  std::map<std::string, bool> unknown;
  for (const NodeGroup& g : list.groups) {
    if (!g.known_type) unknown[g.gpu_type] = true;
  }
  if (!unknown.empty()) {
    out += "  gpu_types:\n";
    for (const auto& [type, unused] : unknown) {
      out += fmt::format("    - {{name: {}, training_speed: 1.0}}  # undisclosed model: edit\n",
                         type);
    }
  }
  out += "  pools:\n";
  for (const NodeGroup& g : list.groups) {
    out += fmt::format(
        "    - {{name: {}-{}gpu, gpu_type: {}, gpus_per_node: {}, nodes: {}, cpus_per_node: {}, "
        "memory_gb_per_node: {:.0f}, pricing: {{on_demand: {{usd_per_gpu_hour: 0}}}}}}\n",
        g.model, g.gpus_per_node, g.gpu_type, g.gpus_per_node, g.nodes,
        static_cast<uint32_t>(g.cpus_per_node), g.memory_gb_per_node);
  }
  return out;
}

}  // namespace burnrate
