// Loads a scenario file, simulates it and prints the headline numbers.
//   quickstart scenarios/two-sync-workers.yaml
#include <iostream>

#include <servesim/servesim.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: quickstart SCENARIO.yaml\n";
    return 2;
  }
  try {
    const servesim::Scenario scenario = servesim::load_scenario(argv[1]);
    const servesim::Result result = servesim::simulate(scenario);
    std::cout << scenario.name << "\n"
              << "  throughput  " << result.throughput.value << " +- "
              << result.throughput.half_width << " req/s\n"
              << "  mean        " << result.latency.mean.value * 1e3 << " ms\n"
              << "  p99         " << result.latency.p99.value * 1e3 << " ms\n"
              << "  errors      " << result.errors.total() << "\n";
  } catch (const servesim::ScenarioError& error) {
    std::cerr << argv[1] << ": " << error.what() << "\n";
    return 2;
  }
  return 0;
}
