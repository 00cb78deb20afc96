#include "sim/model/gpu_catalog.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace burnrate {
namespace {

TEST_CASE("The built-in catalog has the documented types", "[gpu_catalog]") {
  const GpuCatalog catalog = GpuCatalog::BuiltIn();
  CHECK(catalog.Names() == std::vector<std::string>{"V100", "A100-40GB", "A100-80GB", "H100",
                                                    "H200", "L4", "A10G", "T4", "P100"});
  for (const GpuSpec& spec : catalog.specs()) {
    INFO(spec.name);
    CHECK(spec.memory_gb > 0);
    CHECK(spec.idle_watts > 0);
    CHECK(spec.idle_watts == Approx(0.2 * spec.busy_watts));
    CHECK(spec.training_speed > 0);
    CHECK_THAT(spec.source, Catch::Contains("datasheet") && Catch::Contains("peak-TFLOPS proxy"));
  }
}

TEST_CASE("Built-in numbers match the vendor datasheets", "[gpu_catalog]") {
  const GpuCatalog catalog = GpuCatalog::BuiltIn();
  struct Expected {
    const char* name;
    double memory_gb;
    double tdp_watts;
    double dense_tflops;
  };
  for (const Expected& e : std::vector<Expected>{{"V100", 32, 300, 125},
                                                 {"A100-40GB", 40, 400, 312},
                                                 {"A100-80GB", 80, 400, 312},
                                                 {"H100", 80, 700, 989},
                                                 {"H200", 141, 700, 989},
                                                 {"L4", 24, 72, 121},
                                                 {"A10G", 24, 150, 125},
                                                 {"T4", 16, 70, 65},
                                                 {"P100", 16, 300, 21.2}}) {
    INFO(e.name);
    const GpuSpec* spec = catalog.Find(e.name);
    REQUIRE(spec != nullptr);
    CHECK(spec->name == e.name);
    CHECK(spec->memory_gb == e.memory_gb);
    CHECK(spec->busy_watts == e.tdp_watts);
    CHECK(spec->training_speed == Approx(e.dense_tflops / 312.0));
  }
  CHECK(catalog.Find("A100-80GB")->training_speed == 1.0);
  CHECK(catalog.Find("A100-40GB")->training_speed == 1.0);
  CHECK(catalog.Find("H100")->training_speed == Approx(3.17).margin(0.01));
}

TEST_CASE("Find matches names exactly", "[gpu_catalog]") {
  const GpuCatalog catalog = GpuCatalog::BuiltIn();
  CHECK(catalog.Find("h100") == nullptr);
  CHECK(catalog.Find("A100") == nullptr);
  CHECK(catalog.Find("H100 ") == nullptr);
  CHECK(catalog.Find("") == nullptr);
  CHECK(GpuCatalog().Find("H100") == nullptr);
}

TEST_CASE("Upsert replaces in place or appends", "[gpu_catalog]") {
  GpuCatalog catalog = GpuCatalog::BuiltIn();
  const size_t built_in = catalog.specs().size();

  GpuSpec measured = *catalog.Find("H100");
  measured.training_speed = 2.4;
  measured.source = "our MLPerf runs";
  catalog.Upsert(measured);
  CHECK(catalog.specs().size() == built_in);
  CHECK(catalog.Names()[3] == "H100");
  CHECK(catalog.Find("H100")->training_speed == 2.4);
  CHECK(catalog.Find("H100")->source == "our MLPerf runs");

  GpuSpec custom;
  custom.name = "MI300X";
  custom.memory_gb = 192;
  custom.busy_watts = 750;
  catalog.Upsert(custom);
  REQUIRE(catalog.specs().size() == built_in + 1);
  CHECK(catalog.Names().back() == "MI300X");
  REQUIRE(catalog.Find("MI300X") != nullptr);
  CHECK(catalog.Find("MI300X")->memory_gb == 192);
}

}  // namespace
}  // namespace burnrate
