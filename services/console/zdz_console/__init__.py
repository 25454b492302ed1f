"""零直排 web console: the city's 驾驶舱, the district and unit views and the forms clerks work in.

It owns nothing: every figure comes from the four services over their gRPC APIs, called with the signed-in
person's own bearer token, exactly as any integrating system would call them. The services decide who may do
what; the console only hides what a role may not do and shows the service's refusal when it says no.
"""
