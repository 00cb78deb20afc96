#include "serve/engine.h"

#include <memory>
#include <utility>
#include <vector>

namespace burnrate {

absl::StatusOr<std::unique_ptr<ServiceEngine>> MakeServiceEngine(
    const ServiceSpec& service, std::unique_ptr<LoadProcess> load, std::vector<MonthSpan> months) {
  switch (service.fidelity) {
    case ServiceSpec::Fidelity::kRequest:
      return MakeRequestEngine(service, std::move(load), std::move(months));
    case ServiceSpec::Fidelity::kFluid:
      return MakeFluidEngine(service, std::move(load), std::move(months));
  }
  return absl::InvalidArgumentError("unknown service fidelity");
}

}  // namespace burnrate
