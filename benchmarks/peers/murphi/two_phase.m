-- Two-phase commit, the classic TwoPhase spec (benchmarks/peers/tla/TwoPhase.tla) in Murphi, for Rumur.
-- The state is the TLA+ spec's: rmState, tmState, tmPrepared and the set msgs, here one flag per
-- possible message (Prepared from each RM, Commit, Abort), so the state counts are TLC's.
-- benchmarks/peers.py rewrites the line `const N: 3;` for other sizes.
--   rumur --symmetry-reduction off two_phase.m -o two_phase.c      (the full state space)
--   rumur --symmetry-reduction exhaustive two_phase.m -o ...        (one state per permutation of RM)

const N: 3;

type
  rm_t: scalarset(N);
  rm_state_t: enum { working, prepared, committed, aborted };
  tm_state_t: enum { tm_init, tm_done };

var
  rmState: array [rm_t] of rm_state_t;
  tmState: tm_state_t;
  tmPrepared: array [rm_t] of boolean;
  msgPrepared: array [rm_t] of boolean;    -- [type |-> "Prepared", rm |-> r] \in msgs
  msgCommit: boolean;                      -- [type |-> "Commit"] \in msgs
  msgAbort: boolean;                       -- [type |-> "Abort"] \in msgs

startstate "Init"
begin
  for r: rm_t do
    rmState[r] := working;
    tmPrepared[r] := false;
    msgPrepared[r] := false;
  end;
  tmState := tm_init;
  msgCommit := false;
  msgAbort := false;
end;

rule "TMCommit"
  tmState = tm_init & forall r: rm_t do tmPrepared[r] end
==>
begin
  tmState := tm_done;
  msgCommit := true;
end;

rule "TMAbort"
  tmState = tm_init
==>
begin
  tmState := tm_done;
  msgAbort := true;
end;

ruleset r: rm_t do

  rule "TMRcvPrepared"
    tmState = tm_init & msgPrepared[r]
  ==>
  begin
    tmPrepared[r] := true;
  end;

  rule "RMPrepare"
    rmState[r] = working
  ==>
  begin
    rmState[r] := prepared;
    msgPrepared[r] := true;
  end;

  rule "RMChooseToAbort"
    rmState[r] = working
  ==>
  begin
    rmState[r] := aborted;
  end;

  rule "RMRcvCommitMsg"
    msgCommit
  ==>
  begin
    rmState[r] := committed;
  end;

  rule "RMRcvAbortMsg"
    msgAbort
  ==>
  begin
    rmState[r] := aborted;
  end;

end;

-- TCommit's TCConsistent: no resource manager has committed while another has aborted.
invariant "TCConsistent"
  forall r1: rm_t do
    forall r2: rm_t do
      !(rmState[r1] = aborted & rmState[r2] = committed)
    end
  end;
