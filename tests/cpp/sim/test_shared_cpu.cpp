#include <catch2/catch.hpp>

#include "sim/shared_cpu.hpp"

using servesim::detail::SharedCpu;

TEST_CASE("Processor sharing on one core", "[shared_cpu]") {
  // Two jobs of 1 s and 2 s from t = 0 on one core each progress at 1/2:
  // the short one ends at t = 2, then the long one runs alone, its last
  // second ending at t = 3 (processor sharing by hand).
  SharedCpu cpu(1, 1.0);
  cpu.add(0.0, 10, 1.0);
  cpu.add(0.0, 20, 2.0);
  CHECK(cpu.next_completion() == Approx(2.0));
  CHECK(cpu.complete(2.0) == 10);
  CHECK(cpu.next_completion() == Approx(3.0));
  CHECK(cpu.complete(3.0) == 20);
  CHECK(cpu.runnable() == 0);
  CHECK(cpu.busy_core_seconds(3.0) == Approx(3.0));
}

TEST_CASE("A thread never runs on two cores", "[shared_cpu]") {
  // One job on four cores at speed 2: 1 s of reference work takes 0.5 s and
  // keeps exactly one core busy.
  SharedCpu cpu(4, 2.0);
  cpu.add(0.0, 1, 1.0);
  CHECK(cpu.next_completion() == Approx(0.5));
  cpu.complete(0.5);
  CHECK(cpu.busy_core_seconds(1.0) == Approx(0.5));
}

TEST_CASE("A job arriving mid-way slows the running one", "[shared_cpu]") {
  // Job A (2 s) alone on one core until t = 1 (1 s left); B (0.5 s) joins:
  // both at rate 1/2, B ends at t = 2, then A's last 0.5 s ends at t = 2.5.
  SharedCpu cpu(1, 1.0);
  cpu.add(0.0, 1, 2.0);
  cpu.add(1.0, 2, 0.5);
  CHECK(cpu.next_completion() == Approx(2.0));
  CHECK(cpu.complete(2.0) == 2);
  CHECK(cpu.next_completion() == Approx(2.5));
  CHECK(cpu.complete(2.5) == 1);
}

TEST_CASE("More jobs than cores share all cores", "[shared_cpu]") {
  // Three 1 s jobs on two cores: each progresses at 2/3, all end at t = 1.5;
  // two cores are busy throughout (3 core-seconds).
  SharedCpu cpu(2, 1.0);
  for (std::uint32_t id = 0; id < 3; ++id) cpu.add(0.0, id, 1.0);
  CHECK(cpu.next_completion() == Approx(1.5));
  for (int i = 0; i < 3; ++i) {
    CHECK(cpu.next_completion() == Approx(1.5));
    cpu.complete(cpu.next_completion());
  }
  CHECK(cpu.busy_core_seconds(1.5) == Approx(3.0));
}

TEST_CASE("A preempted job keeps the work it has left", "[shared_cpu]") {
  // Jobs A (2 s) and B (1 s) share one core from t = 0, each at rate 1/2.
  // At t = 1 A has done 0.5 s: preempting it returns 1.5 s, and B, now alone,
  // finishes its remaining 0.5 s at t = 1.5 (processor sharing by hand).
  SharedCpu cpu(1, 1.0);
  cpu.add(0.0, 1, 2.0);
  cpu.add(0.0, 2, 1.0);
  CHECK(cpu.preempt(1.0, 1) == Approx(1.5));
  CHECK(cpu.runnable() == 1);
  CHECK(cpu.next_completion() == Approx(1.5));
  CHECK(cpu.complete(1.5) == 2);
  // Put back, A runs alone and needs its 1.5 s.
  cpu.add(1.5, 1, 1.5);
  CHECK(cpu.next_completion() == Approx(3.0));
  CHECK(cpu.complete(3.0) == 1);
  CHECK(cpu.busy_core_seconds(3.0) == Approx(3.0));
}

TEST_CASE("Preempting from the middle of the heap keeps completion order", "[shared_cpu]") {
  // Ten jobs of 1..10 s on one core; removing the 5 s job leaves the others
  // finishing in order of their work (shortest first under PS).
  SharedCpu cpu(1, 1.0);
  for (std::uint32_t id = 1; id <= 10; ++id) cpu.add(0.0, id, static_cast<double>(id));
  cpu.preempt(0.0, 5);
  std::uint32_t previous = 0;
  while (cpu.runnable() > 0) {
    const std::uint32_t id = cpu.complete(cpu.next_completion());
    CHECK(id > previous);
    CHECK(id != 5);
    previous = id;
  }
}
