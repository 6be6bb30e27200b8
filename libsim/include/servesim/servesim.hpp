#pragma once
/// @file servesim.hpp
/// The whole public API of servesim.
///
/// @code
/// #include <servesim/servesim.hpp>
/// auto scenario = servesim::load_scenario("scenarios/two-sync-workers.yaml");
/// servesim::Result result = servesim::simulate(scenario);
/// @endcode

#include "servesim/fwd.hpp"
#include "servesim/errors.hpp"

#include "servesim/core/distribution.hpp"
#include "servesim/core/rng.hpp"

#include "servesim/model/database.hpp"
#include "servesim/model/framework.hpp"
#include "servesim/model/memory.hpp"
#include "servesim/model/plan_spec.hpp"
#include "servesim/model/replicas.hpp"
#include "servesim/model/scenario.hpp"

#include "servesim/metrics/latency_histogram.hpp"
#include "servesim/metrics/result.hpp"
#include "servesim/metrics/statistics.hpp"
#include "servesim/metrics/warmup.hpp"

#include "servesim/analytic/bounds.hpp"
#include "servesim/analytic/erlang.hpp"
#include "servesim/analytic/estimate.hpp"
#include "servesim/analytic/finite_population.hpp"
#include "servesim/analytic/ggc.hpp"
#include "servesim/analytic/mg1.hpp"
#include "servesim/analytic/mmck.hpp"
#include "servesim/analytic/mva.hpp"
#include "servesim/analytic/mva_multiclass.hpp"
#include "servesim/analytic/processor_sharing.hpp"
#include "servesim/analytic/staffing.hpp"
#include "servesim/analytic/usl.hpp"

#include "servesim/sim/simulate.hpp"

#include "servesim/plan/plan.hpp"

#include "servesim/io/result_json.hpp"
#include "servesim/io/scenario_parser.hpp"
